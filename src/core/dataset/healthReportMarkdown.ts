// The health check as a Markdown report. Every dataset-derived string (class and file names are user
// data) is escaped so that names like `<img onerror=…>` or `*bold*` render as literal text.
import { BROKEN_IMAGE_KINDS, type Dataset } from './types';
import type { HealthReport } from './checkDatasetHealth';

/** Escapes Markdown and HTML meta-characters so the text renders literally. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`)).replace(/\r?\n/g, ' ');
}

const MAX_ROWS = 500;

const LABELS: Record<string, string> = {
  'zero-byte': 'Empty files',
  corrupt: 'Corrupt images',
  truncated: 'Truncated images',
  unsupported: 'Unsupported formats',
  oversized: 'Oversized images (refused before decoding)',
  'unusual-size': 'Unusual sizes',
  unreadable: 'Unreadable files',
};

export function renderHealthReportMarkdown(ds: Dataset, report: HealthReport): string {
  const name = ds.root.split(/[\\/]/).filter(Boolean).pop() ?? ds.root;
  const lines: string[] = [
    `# Health check: ${escapeMarkdown(name)}`,
    '',
    `${report.checked} images decoded in ${(report.durationMs / 1000).toFixed(1)} s: **${report.ok} fine**, **${report.problems.length} with problems**.`,
  ];
  const total = ds.classes.reduce((n, c) => n + c.images.length, 0);
  const broken = new Map<string, number>();
  for (const p of report.problems) if (p.class !== undefined && BROKEN_IMAGE_KINDS.has(p.kind)) broken.set(p.class, (broken.get(p.class) ?? 0) + 1);
  lines.push('', '| Class | Images | Share | Unusable |', '|---|---:|---:|---:|');
  for (const c of ds.classes) {
    const share = total ? ((c.images.length / total) * 100).toFixed(1) : '0.0';
    lines.push(`| ${escapeMarkdown(c.name)} | ${c.images.length} | ${share}% | ${broken.get(c.name) ?? 0} |`);
  }
  if (report.usualSize) lines.push('', `Usual size: ${report.usualSize.width}×${report.usualSize.height} px (${Math.round(report.usualSize.share * 100)}% of readable images).`);
  const byKind = new Map<string, typeof report.problems>();
  for (const p of report.problems) {
    const list = byKind.get(p.kind);
    if (list) list.push(p);
    else byKind.set(p.kind, [p]);
  }
  for (const [kind, list] of byKind) {
    lines.push('', `## ${LABELS[kind] ?? kind} (${list.length})`, '', '| Class | File | Problem |', '|---|---|---|');
    // A preview stays readable (and small) even when thousands of images share a problem.
    for (const p of list.slice(0, MAX_ROWS)) lines.push(`| ${escapeMarkdown(p.class ?? '')} | ${escapeMarkdown(p.path ?? '')} | ${escapeMarkdown(p.message)} |`);
    if (list.length > MAX_ROWS) lines.push('', `…and ${list.length - MAX_ROWS} more.`);
  }
  if (ds.problems.length) {
    lines.push('', '## Dataset structure', '');
    for (const p of ds.problems) lines.push(`- ${escapeMarkdown(p.message)}`);
  }
  if (ds.skipped.length) {
    lines.push('', `## Skipped files (${ds.skipped.length})`, '', '| File | Reason |', '|---|---|');
    for (const s of ds.skipped.slice(0, MAX_ROWS)) lines.push(`| ${escapeMarkdown(s.path)} | ${escapeMarkdown(s.reason)} |`);
    if (ds.skipped.length > MAX_ROWS) lines.push('', `…and ${ds.skipped.length - MAX_ROWS} more.`);
  }
  lines.push('', `Classes: ${ds.classes.length}. Images: ${total}.`, '');
  return lines.join('\n');
}
