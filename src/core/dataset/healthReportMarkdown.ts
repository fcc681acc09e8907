// The health check as a Markdown report. Every dataset-derived string (class and file names are user
// data) is escaped so that names like `<img onerror=…>` or `*bold*` render as literal text.
import { escapeMarkdownInline } from '../text/markdownText';
import type { Dataset } from './types';
import { countDataset, formatShare, plural } from './datasetCounts';
import type { HealthReport } from './checkDatasetHealth';

/** Escapes Markdown and HTML meta-characters so the text renders literally. */
export const escapeMarkdown = escapeMarkdownInline;

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
  const counts = countDataset(ds, report);
  const lines: string[] = [
    `# Health check: ${escapeMarkdown(name)}`,
    '',
    `${plural(report.checked, 'image')} decoded in ${(report.durationMs / 1000).toFixed(1)} s: **${counts.usable} usable**, **${counts.broken} cannot be used**. ` +
      `**${plural(counts.problems.length, 'problem')}** in all, as in the Datasets view.`,
  ];
  // The same figures as the tree's class rows (datasetCounts.ts); shares are of the usable images.
  lines.push('', '| Class | Image files | Usable | Share | Unusable |', '|---|---:|---:|---:|---:|');
  for (const c of counts.classes) lines.push(`| ${escapeMarkdown(c.name)} | ${c.imageFiles} | ${c.usable} | ${formatShare(c.share)} | ${c.broken} |`);
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
    lines.push('', `## Files set aside by the scan (${ds.skipped.length})`, '', '| File | Reason |', '|---|---|');
    for (const s of ds.skipped.slice(0, MAX_ROWS)) lines.push(`| ${escapeMarkdown(s.path)} | ${escapeMarkdown(s.reason)} |`);
    if (ds.skipped.length > MAX_ROWS) lines.push('', `…and ${ds.skipped.length - MAX_ROWS} more.`);
  }
  lines.push('', `Classes: ${ds.classes.length}. Image files: ${counts.imageFiles}, of which usable: ${counts.usable}.`, '');
  return lines.join('\n');
}
