// Text from data (dataset paths, class and file names, model ids, server messages) placed into a
// Markdown document we write — report.md, the health report, evaluation exports — and which VS Code
// opens in its preview. It must render as exactly these characters on one line: no link, image,
// code span, HTML, emphasis or table cell can form, and a blank line in a folder name cannot end the
// paragraph (a dataset path with "\n\n![x](https://…)" made the preview load a remote image).
// Values are never placed at the start of a line, so "- # +" are left alone.

/** One line of inert Markdown text for `text`. */
export function escapeMarkdownInline(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()!|~:@]/g, '\\$&')
    // The preview also turns bare "https://…", "www.x.com" and "a@b.org" into links (linkify): an escaped
    // ":" or "@", and an escaped "." before a letter (a domain or file extension), prevent it; "0.95" stays.
    .replace(/\.(?=[A-Za-z])/g, '\\.');
}
