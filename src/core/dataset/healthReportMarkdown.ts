// The health check as a Markdown report. Every dataset-derived string (class and file names are user
// data) is escaped so that names like `<img onerror=…>` or `*bold*` render as literal text.
import type { Dataset } from './types';
import type { HealthReport } from './checkDatasetHealth';

/** Escapes Markdown and HTML meta-characters so the text renders literally. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`)).replace(/\r?\n/g, ' ');
}

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
  if (report.usualSize) lines.push('', `Usual size: ${report.usualSize.width}×${report.usualSize.height} px (${Math.round(report.usualSize.share * 100)}% of readable images).`);
  const byKind = new Map<string, typeof report.problems>();
  for (const p of report.problems) byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), p]);
  for (const [kind, list] of byKind) {
    lines.push('', `## ${LABELS[kind] ?? kind} (${list.length})`, '', '| Class | File | Problem |', '|---|---|---|');
    for (const p of list) lines.push(`| ${escapeMarkdown(p.class ?? '')} | ${escapeMarkdown(p.path ?? '')} | ${escapeMarkdown(p.message)} |`);
  }
  if (ds.problems.length) {
    lines.push('', '## Dataset structure', '');
    for (const p of ds.problems) lines.push(`- ${escapeMarkdown(p.message)}`);
  }
  if (ds.skipped.length) {
    lines.push('', `## Skipped files (${ds.skipped.length})`, '', '| File | Reason |', '|---|---|');
    for (const s of ds.skipped.slice(0, 500)) lines.push(`| ${escapeMarkdown(s.path)} | ${escapeMarkdown(s.reason)} |`);
    if (ds.skipped.length > 500) lines.push('', `…and ${ds.skipped.length - 500} more.`);
  }
  lines.push('', `Classes: ${ds.classes.length}. Images: ${ds.classes.reduce((n, c) => n + c.images.length, 0)}.`, '');
  return lines.join('\n');
}
