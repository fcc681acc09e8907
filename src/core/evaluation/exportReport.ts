// The evaluation report for sharing: Markdown, and one self-contained HTML file (confusion matrix,
// per-class table, the wrong tiles as small embedded thumbnails). Labels and file names are user data
// ("[x](command:…)", "<img onerror=…>", backticks, blank lines are all valid folder names): every one is
// escaped so it stays text. Thumbnails come from the caller, so caching is the caller's business.
import { escapeMarkdownInline } from '../text/markdownText';
import { mostConfusedPairs } from './confusedPairs';
import type { EvaluationComparison } from './compare';
import { INVALID_LABEL } from './metrics';
import { isCorrect } from './compare';
import type { EvaluationReport, PredictionRecord } from './predictionRecord';

export interface ReportExportInput {
  /** What was evaluated, e.g. "dataset/run". */
  title: string;
  model: string;
  report: EvaluationReport;
  classes: string[];
  /** The predictions (for the wrong tiles). */
  records?: PredictionRecord[];
  compare?: { model: string; comparison: EvaluationComparison };
  /** Wrong tiles shown at most (default 200). */
  maxWrongTiles?: number;
}

/** A data URL for a record's image, or undefined when there is none (the tile is listed without it). */
export type ThumbnailSource = (record: PredictionRecord) => Promise<string | undefined>;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Markdown text that renders as exactly these characters on one line (one rule for every report: text/markdownText). */
export const escapeMarkdown = escapeMarkdownInline;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number) => x.toFixed(3);
const signed = (x: number, f: (x: number) => string) => (x > 0 ? '+' : x < 0 ? '−' : '±') + f(Math.abs(x));

function wrongRecords(input: ReportExportInput): PredictionRecord[] {
  return (input.records ?? []).filter((r) => r.error === undefined && !isCorrect(r)).slice(0, input.maxWrongTiles ?? 200);
}

function shownPrediction(r: PredictionRecord): string {
  return r.valid && r.predicted !== null ? r.predicted : `${INVALID_LABEL} ${r.raw.slice(0, 60)}`;
}

/** "p50 / p90 / p99 ms" of a report's latencies (Markdown table, HTML summary). */
export function latencyText(l: NonNullable<EvaluationReport['latencyMs']>): string {
  return `${l.p50.toFixed(0)} / ${l.p90.toFixed(0)} / ${l.p99.toFixed(0)} ms`;
}

export function reportMarkdown(input: ReportExportInput): string {
  const r = input.report;
  const md = escapeMarkdown;
  const lines = [
    `# Evaluation of ${md(input.model)} on ${md(input.title)}`,
    '',
    `| measure | value |`,
    `|---|---|`,
    `| images answered | ${r.total} |`,
    `| accuracy | ${pct(r.accuracy)} |`,
    `| macro F1 | ${num(r.macroF1)} |`,
    `| weighted F1 | ${num(r.weightedF1)} |`,
    `| invalid labels | ${pct(r.invalidRate)} |`,
    `| unparseable answers | ${pct(r.parseFailureRate)} |`,
    `| failed requests | ${pct(r.errorRate)} |`,
    `| tokens (prompt / completion) | ${r.tokens.prompt} / ${r.tokens.completion} |`,
    ...(r.cost !== null ? [`| cost | $${r.cost.toFixed(4)} |`] : []),
    ...(r.latencyMs ? [`| latency p50 / p90 / p99 | ${latencyText(r.latencyMs)} |`] : []),
    '',
    '## Per class',
    '',
    '| class | precision | recall | F1 | support |',
    '|---|---|---|---|---|',
    ...input.classes.map((c) => {
      const m = r.perClass[c]!;
      return `| ${md(c)} | ${num(m.precision)} | ${num(m.recall)} | ${num(m.f1)} | ${m.support} |`;
    }),
    '',
    '## Confusion matrix (rows: truth, columns: prediction)',
    '',
    `| truth \\\\ predicted | ${r.confusion.labels.map(md).join(' | ')} |`,
    `|---|${r.confusion.labels.map(() => '---').join('|')}|`,
    ...r.confusion.matrix.map((row, i) => `| ${md(r.confusion.labels[i]!)} | ${row.join(' | ')} |`),
  ];
  const pairs = mostConfusedPairs(r.confusion);
  if (pairs.length) lines.push('', '## Most confused pairs', '', ...pairs.map((p) => `- ${md(p.a)} ↔ ${md(p.b)}: ${p.total} (${p.aAsB} + ${p.bAsA})`));
  if (input.compare) {
    const c = input.compare.comparison;
    lines.push(
      '',
      `## Compared with ${md(input.compare.model)}`,
      '',
      `Deltas are ${md(input.compare.model)} minus ${md(input.model)}.`,
      '',
      `| measure | ${md(input.model)} | ${md(input.compare.model)} | delta |`,
      '|---|---|---|---|',
      `| accuracy | ${pct(c.a.accuracy)} | ${pct(c.b.accuracy)} | ${signed(c.deltas.accuracy, pct)} |`,
      `| macro F1 | ${num(c.a.macroF1)} | ${num(c.b.macroF1)} | ${signed(c.deltas.macroF1, num)} |`,
      `| weighted F1 | ${num(c.a.weightedF1)} | ${num(c.b.weightedF1)} | ${signed(c.deltas.weightedF1, num)} |`,
      `| invalid labels | ${pct(c.a.invalidRate)} | ${pct(c.b.invalidRate)} | ${signed(c.deltas.invalidRate, pct)} |`,
      '',
      `Fixed by the second model: ${c.fixed.length}; broken: ${c.broken.length}.`,
    );
  }
  const wrong = wrongRecords(input);
  if (wrong.length) {
    lines.push('', '## Wrong answers', '', '| image | truth | predicted |', '|---|---|---|');
    for (const w of wrong) lines.push(`| ${md(w.path)} | ${md(w.truth)} | ${md(shownPrediction(w))} |`);
  }
  return lines.join('\n') + '\n';
}

const SAFE_DATA_URL = /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]+=*$/;

function heat(value: number, rowTotal: number): string {
  const share = rowTotal > 0 ? value / rowTotal : 0;
  return `background: rgba(0, 110, 200, ${(share * 0.85).toFixed(3)}); color: ${share > 0.5 ? '#fff' : 'inherit'}`;
}

export async function reportHtml(input: ReportExportInput, thumbnail?: ThumbnailSource): Promise<string> {
  const r = input.report;
  const h = escapeHtml;
  const rowsPerClass = input.classes
    .map((c) => {
      const m = r.perClass[c]!;
      return `<tr><th scope="row">${h(c)}</th><td>${num(m.precision)}</td><td>${num(m.recall)}</td><td>${num(m.f1)}<span class="bar" style="width:${(m.f1 * 80).toFixed(0)}px"></span></td><td>${m.support}</td></tr>`;
    })
    .join('\n');
  const matrix = r.confusion.matrix
    .map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      return `<tr><th scope="row">${h(r.confusion.labels[i]!)}</th>${row.map((v) => `<td style="${heat(v, total)}">${v}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const tiles: string[] = [];
  for (const w of wrongRecords(input)) {
    const url = thumbnail ? await thumbnail(w).catch(() => undefined) : undefined;
    const img = url && SAFE_DATA_URL.test(url) ? `<img src="${url}" alt="">` : '<div class="noimg">no thumbnail</div>';
    const cls = w.valid ? 'wrong' : 'invalid';
    tiles.push(`<figure class="${cls}">${img}<figcaption><div class="path">${h(w.path)}</div><div>truth: ${h(w.truth)}</div><div>${w.valid ? '✗ predicted' : '⚠ invalid'}: ${h(shownPrediction(w))}</div></figcaption></figure>`);
  }
  const c = input.compare?.comparison;
  const compare = c
    ? `<h2>Compared with ${h(input.compare!.model)}</h2>
<table><thead><tr><th>measure</th><th>${h(input.model)}</th><th>${h(input.compare!.model)}</th><th>delta</th></tr></thead><tbody>
<tr><th>accuracy</th><td>${pct(c.a.accuracy)}</td><td>${pct(c.b.accuracy)}</td><td>${signed(c.deltas.accuracy, pct)}</td></tr>
<tr><th>macro F1</th><td>${num(c.a.macroF1)}</td><td>${num(c.b.macroF1)}</td><td>${signed(c.deltas.macroF1, num)}</td></tr>
<tr><th>weighted F1</th><td>${num(c.a.weightedF1)}</td><td>${num(c.b.weightedF1)}</td><td>${signed(c.deltas.weightedF1, num)}</td></tr>
<tr><th>invalid labels</th><td>${pct(c.a.invalidRate)}</td><td>${pct(c.b.invalidRate)}</td><td>${signed(c.deltas.invalidRate, pct)}</td></tr>
</tbody></table><p>Fixed by the second model: ${c.fixed.length}; broken: ${c.broken.length}.</p>`
    : '';
  const pairs = mostConfusedPairs(r.confusion);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Evaluation of ${h(input.model)} on ${h(input.title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #ddd; background: #1e1e1e; } }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #8884; padding: 3px 8px; text-align: right; }
th[scope=row], thead th:first-child { text-align: left; } .bar { display: inline-block; height: 8px; margin-left: 6px; background: #3794ff; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; } figure { margin: 0; width: 150px; border: 2px solid #c33; padding: 4px; }
figure.invalid { border-style: dashed; border-color: #c80; } figure img { width: 100%; } .path { font-family: monospace; word-break: break-all; }
.noimg { height: 80px; display: flex; align-items: center; justify-content: center; color: #888; }
</style></head><body>
<h1>Evaluation of ${h(input.model)} on ${h(input.title)}</h1>
<p>${r.total} images answered · accuracy <b>${pct(r.accuracy)}</b> · macro F1 ${num(r.macroF1)} · weighted F1 ${num(r.weightedF1)} · invalid labels ${pct(r.invalidRate)} · unparseable ${pct(r.parseFailureRate)} · failed requests ${pct(r.errorRate)}</p>
<p>tokens ${r.tokens.prompt} prompt / ${r.tokens.completion} completion${r.cost !== null ? ` · cost $${r.cost.toFixed(4)}` : ''}${r.latencyMs ? ` · latency p50 / p90 / p99 ${latencyText(r.latencyMs)}` : ''}</p>
<h2>Per class</h2>
<table><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>
${rowsPerClass}
</tbody></table>
<h2>Confusion matrix</h2><p>Rows: truth; columns: prediction (shade: share of the row).</p>
<table><thead><tr><th>truth \\ predicted</th>${r.confusion.labels.map((l) => `<th>${h(l)}</th>`).join('')}</tr></thead><tbody>
${matrix}
</tbody></table>
${pairs.length ? `<h2>Most confused pairs</h2><ul>${pairs.map((p) => `<li>${h(p.a)} ↔ ${h(p.b)}: ${p.total} (${p.aAsB} + ${p.bAsA})</li>`).join('')}</ul>` : ''}
${compare}
${tiles.length ? `<h2>Wrong answers</h2><div class="tiles">\n${tiles.join('\n')}\n</div>` : ''}
</body></html>
`;
}
