// VS Code renders `[label](command:…)`, `[label](https://…)` and `[label](file:…)` inside notification
// text as clickable links (vs/base/common/linkedText.ts). Folder names, model ids, server error
// messages and job failure reasons are not ours: a folder named `[Open](command:…sendSequence?…)`
// would become a link that types into the terminal. Every value interpolated into a notification
// goes through `plainForNotification`, or the whole message is built with the `notice` tag.

const ZERO_WIDTH_SPACE = '\u200B';

/**
 * The value with link syntax made inert: a zero-width space after every `]` (so `](` never
 * forms, also not across two values placed side by side) and inside `command:` / `file:` URIs.
 * The visible text is unchanged.
 */
export function plainForNotification(value: unknown): string {
  return String(value)
    .replace(/\]/g, `]${ZERO_WIDTH_SPACE}`)
    // URI schemes that run or open things, only where they are URIs ("command:x", "file:/x"; not "file: x").
    .replace(/\b(command):(?=\S)/gi, `$1${ZERO_WIDTH_SPACE}:`)
    .replace(/\b(file):(?=\/)/gi, `$1${ZERO_WIDTH_SPACE}:`);
}

/** Tagged template: our text as written, every `${value}` through plainForNotification. */
export function notice(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += plainForNotification(values[i]) + (strings[i + 1] ?? '');
  return out;
}

// The link pattern VS Code uses for notifications, kept here so tests check against the real rule.
export const NOTIFICATION_LINK_PATTERN = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
