// report.md of a run folder: what a person checks before uploading — counts per class and split,
// file sizes, the token and cost estimate, warnings, skipped images and duplicates.
import { escapeMarkdownInline } from '../text/markdownText';
import type { Manifest } from './manifest';
import type { PlanEstimate } from './planPreparation';
import type { ClassSplitCounts } from './splitStratified';

/** Class and file names are user data: keep them from breaking the table or injecting markup. */
export const escapeMarkdown = escapeMarkdownInline;

function mb(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

const n = (x: number) => x.toLocaleString('en-US');

export function renderReport(m: Manifest, perClass: ClassSplitCounts[], estimate: PlanEstimate): string {
  const lines: string[] = [];
  lines.push(`# Training data report`, '');
  lines.push(`Dataset: ${escapeMarkdown(m.datasetRoot)} · ${m.classes.length} classes · prompt template: ${escapeMarkdown(m.prompt.name)} · pixtune ${m.tool.version}`, '');
  // "image files" is what the Datasets tree counts for a class before a health check (after one, it counts the
  // usable ones: image files − skipped), so the report shows both and the numbers add up.
  const skippedImages = m.skipped.filter((s) => !s.notAnImage);
  const listed = new Set(m.images.map((im) => im.path));
  const filesIn = (cls: string) => m.images.filter((im) => im.class === cls).length + skippedImages.filter((s) => s.class === cls && !listed.has(s.path)).length;
  const skippedIn = (cls: string) => skippedImages.filter((s) => s.class === cls).length;
  lines.push('## Images per class and split', '', '| class | train | validation | test | total | skipped | image files |', '|---|---:|---:|---:|---:|---:|---:|');
  const sum = { train: 0, validation: 0, test: 0, total: 0, skipped: 0, files: 0 };
  for (const c of perClass) {
    const row = { skipped: skippedIn(c.class), files: filesIn(c.class) };
    lines.push(`| ${escapeMarkdown(c.class)} | ${c.train} | ${c.validation} | ${c.test} | ${c.total} | ${row.skipped} | ${row.files} |`);
    sum.train += c.train;
    sum.validation += c.validation;
    sum.test += c.test;
    sum.total += c.total;
    sum.skipped += row.skipped;
    sum.files += row.files;
  }
  lines.push(`| **all** | **${sum.train}** | **${sum.validation}** | **${sum.test}** | **${sum.total}** | **${sum.skipped}** | **${sum.files}** |`, '');
  lines.push('## Files', '', '| file | lines | size |', '|---|---:|---:|');
  for (const f of m.files) lines.push(`| ${f.name} | ${n(f.lines)} | ${mb(f.bytes)} |`);
  lines.push('');
  const t = estimate.train;
  lines.push('## Estimate', '');
  lines.push(`- Training data: ${n(t.examples)} examples, about ${n(t.dataTokens)} tokens (${n(estimate.tokensPerExample)} per example).`);
  lines.push(`- Training for ${t.epochs} epoch${t.epochs === 1 ? '' : 's'}: about ${n(t.trainTokens)} tokens, **≈ ${t.cost.toFixed(2)} USD** at ${t.pricePerMillion} USD per million tokens.`);
  if (estimate.validationTokens) lines.push(`- Validation data: about ${n(estimate.validationTokens)} tokens.`);
  if (estimate.testTokens) lines.push(`- Test batch input: about ${n(estimate.testTokens)} tokens.`);
  lines.push('- Text tokens are estimated without a tokenizer (calibrated on a billed run, expect ±10%); image tokens follow Pixtral\'s 16 px patches.', '');
  lines.push('## Warnings', '');
  lines.push(...(m.warnings.length ? m.warnings.map((w) => `- ${escapeMarkdown(w)}`) : ['None.']), '');
  const images = m.skipped.filter((s) => !s.notAnImage);
  const others = m.skipped.filter((s) => s.notAnImage);
  for (const [title, list] of [['Skipped images', images], ['Files that are not images (ignored)', others]] as const) {
    if (!list.length) continue;
    lines.push(`## ${title} (${list.length})`, '', '| file | reason |', '|---|---|');
    for (const s of list.slice(0, 200)) lines.push(`| ${escapeMarkdown(s.path)} | ${escapeMarkdown(s.reason)} |`);
    if (list.length > 200) lines.push(`| … | ${list.length - 200} more in manifest.json |`);
    lines.push('');
  }
  if (m.duplicates.length) {
    lines.push(`## Duplicates (${m.duplicates.length} groups)`, '', '| images | kind | splits | classes |', '|---|---|---|---|');
    for (const d of m.duplicates.slice(0, 100)) {
      const ims = d.members.map((i) => m.images[i]!);
      lines.push(
        `| ${ims.map((im) => escapeMarkdown(im.path)).join('<br>')} | ${d.kind}${d.kind === 'near' ? ` (distance ≤ ${d.maxDistance})` : ''} | ${[...new Set(ims.map((im) => im.split))].join(', ')}${d.crossSplit ? ' ⚠' : ''} | ${[...new Set(ims.map((im) => escapeMarkdown(im.class)))].join(', ')}${d.crossClass ? ' ⚠' : ''} |`,
      );
    }
    if (m.duplicates.length > 100) lines.push(`| … | ${m.duplicates.length - 100} more groups in manifest.json | | |`);
    lines.push('');
  }
  return lines.join('\n');
}
