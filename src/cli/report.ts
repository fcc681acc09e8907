// `pixtune report`: the evaluation report of a predictions file (and the comparison with a second one)
// as text, JSON, Markdown or one self-contained HTML file.
import { access } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError, UserError } from '../core/errors';
import { compareEvaluations } from '../core/evaluation/compare';
import { mostConfusedPairs } from '../core/evaluation/confusedPairs';
import { reportHtml, reportMarkdown, type ReportExportInput } from '../core/evaluation/exportReport';
import { suspectedLabelErrors } from '../core/evaluation/labelErrors';
import { computeReport } from '../core/evaluation/metrics';
import type { EvaluationReport, PredictionRecord } from '../core/evaluation/predictionRecord';
import { readPredictions } from '../core/evaluation/predictionsFile';
import { datasetThumbnails } from '../core/evaluation/reportThumbnails';
import { loadManifest } from '../core/evaluation/runContext';
import { writeFileAtomic } from '../core/fsutil/atomicWrite';
import { parseCliArgs, parseNumberOption, printJson, printable, type CliIO, type Subcommand } from './common';

const HELP = `Usage: pixtune report <predictions.jsonl> [--compare <other.jsonl>] [--json | --md | --html] [--out FILE]

Accuracy, per-class precision/recall/F1/support, macro and weighted averages, the confusion matrix
(with an "(invalid)" column for answers outside the class list), invalid-label and parse-failure
rates, tokens, cost and latency percentiles. The class list comes from the run's manifest.json
(the predictions file's run, or --run).

Options:
  --compare FILE        a second evaluation of the same run: deltas (second minus first), images fixed
                        and broken by the second model, and suspected label errors (both models agree
                        against the folder)
  --run DIR             the run folder, when the predictions file is not in <run>/predictions/
  --json                one JSON document: accuracy, macroF1, weightedF1, invalidRate, perClass,
                        confusion, … and with --compare: compare, deltas, fixed, broken, suspectedLabelErrors
  --md | --html         Markdown, or one self-contained HTML file with the wrong tiles as thumbnails
  --out FILE            write there (atomically) instead of stdout
  --price-prompt X --price-completion Y   USD per million tokens, for the cost`;

const OPTIONS = {
  compare: { type: 'string' },
  run: { type: 'string' },
  json: { type: 'boolean' },
  md: { type: 'boolean' },
  html: { type: 'boolean' },
  out: { type: 'string' },
  'price-prompt': { type: 'string' },
  'price-completion': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The human summary of a report (also used by predict). */
export function describeReport(r: EvaluationReport, classes: string[]): string[] {
  const lines = [
    `Accuracy ${pct(r.accuracy)} · macro F1 ${r.macroF1.toFixed(3)} · weighted F1 ${r.weightedF1.toFixed(3)} (${r.total} answers)`,
    `Invalid labels ${pct(r.invalidRate)} (unparseable ${pct(r.parseFailureRate)}) · failed requests ${pct(r.errorRate)}`,
    `Tokens ${r.tokens.prompt} prompt + ${r.tokens.completion} completion${r.cost !== null ? ` · cost $${r.cost.toFixed(4)}` : ''}${r.latencyMs ? ` · latency p50 ${r.latencyMs.p50.toFixed(0)} ms, p90 ${r.latencyMs.p90.toFixed(0)} ms, p99 ${r.latencyMs.p99.toFixed(0)} ms` : ''}`,
  ];
  const width = Math.max(5, ...classes.map((c) => printable(c).length));
  lines.push('', `${'class'.padEnd(width)}  precision  recall  F1     support`);
  for (const c of classes) {
    const m = r.perClass[c]!;
    lines.push(`${printable(c).padEnd(width)}  ${m.precision.toFixed(3).padStart(9)}  ${m.recall.toFixed(3).padStart(6)}  ${m.f1.toFixed(3)}  ${String(m.support).padStart(7)}`);
  }
  const pairs = mostConfusedPairs(r.confusion, 3);
  if (pairs.length) lines.push('', `Most confused: ${pairs.map((p) => `${printable(p.a)} ↔ ${printable(p.b)} (${p.total})`).join(', ')}`);
  return lines;
}

interface Evaluation {
  file: string;
  model: string;
  records: PredictionRecord[];
}

async function loadEvaluation(file: string, io: CliIO): Promise<Evaluation> {
  const read = await readPredictions(file, io.signal).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new UserError(`${file} does not exist.`);
    throw err;
  });
  for (const p of read.problems.slice(0, 10)) io.err(`${printable(file)}: ${p} (line skipped)`);
  if (!read.records.length) throw new UserError(`${file} holds no predictions.`, 'Run "pixtune predict" first.');
  const model = read.records.find((r) => r.model)?.model ?? basename(file, '.jsonl');
  return { file: resolve(file), model, records: read.records };
}

async function classesFor(file: string, runOption: string | undefined): Promise<{ runDir?: string; classes?: string[]; datasetRoot?: string }> {
  const runDir = runOption ?? dirname(dirname(resolve(file)));
  const hasManifest = await access(join(runDir, 'manifest.json')).then(() => true, () => false);
  if (!hasManifest) {
    if (runOption) throw new UserError(`${runOption} has no manifest.json.`);
    return {};
  }
  const manifest = await loadManifest(runDir);
  return { runDir, classes: manifest.classes, datasetRoot: manifest.datasetRoot };
}

export const reportCommand: Subcommand = async (argv, io) => {
  const { values: v, positionals } = parseCliArgs(argv, OPTIONS);
  if (v.help) {
    io.out(HELP);
    return 0;
  }
  const file = positionals[0];
  if (!file) throw new UsageError('Missing the predictions file (<run>/predictions/<model>.jsonl).');
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}" (use --compare for a second file).`);
  if ([v.json, v.md, v.html].filter(Boolean).length > 1) throw new UsageError('Choose one of --json, --md and --html.');
  const pp = parseNumberOption('price-prompt', v['price-prompt'], { min: 0 });
  const pc = parseNumberOption('price-completion', v['price-completion'], { min: 0 });
  if ((pp === undefined) !== (pc === undefined)) throw new UsageError('Give both --price-prompt and --price-completion.');
  const opts = pp !== undefined ? { pricePerMillionTokens: { prompt: pp, completion: pc! } } : {};

  const a = await loadEvaluation(file, io);
  const run = await classesFor(file, v.run);
  let classes = run.classes;
  if (!classes) {
    classes = [...new Set(a.records.map((r) => r.truth))].sort();
    io.err(`No manifest.json found for ${printable(file)}: using the ${classes.length} classes seen as truths (give --run for the run's own list).`);
  }
  const b = v.compare ? await loadEvaluation(v.compare, io) : undefined;
  const report = computeReport(a.records, classes, opts);
  const comparison = b ? compareEvaluations(a.records, b.records, classes, opts) : undefined;

  if (v.md || v.html) {
    const input: ReportExportInput = {
      title: run.runDir ? `${basename(dirname(run.runDir))}/${basename(run.runDir)}` : basename(file),
      model: a.model,
      report,
      classes,
      records: a.records,
      ...(b && comparison ? { compare: { model: b.model, comparison } } : {}),
    };
    const text = v.md ? reportMarkdown(input) : await reportHtml(input, run.datasetRoot ? datasetThumbnails(run.datasetRoot) : undefined);
    if (v.out) {
      await writeFileAtomic(v.out, text);
      io.err(`Wrote ${printable(v.out)}`);
    } else io.out(text.trimEnd());
    return 0;
  }
  if (v.json) {
    const doc = {
      predictions: a.file,
      model: a.model,
      classes,
      ...report,
      confusedPairs: mostConfusedPairs(report.confusion),
      ...(b && comparison
        ? { compare: { predictions: b.file, model: b.model, ...comparison.b }, deltas: comparison.deltas, fixed: comparison.fixed, broken: comparison.broken, suspectedLabelErrors: suspectedLabelErrors(a.records, b.records) }
        : {}),
    };
    if (v.out) await writeFileAtomic(v.out, JSON.stringify(doc, null, 2) + '\n');
    else printJson(io, doc);
    return 0;
  }
  const lines = [`${printable(a.model)} (${printable(a.file)})`, ...describeReport(report, classes)];
  if (b && comparison) {
    const d = comparison.deltas;
    const s = (x: number, f: (x: number) => string) => `${x >= 0 ? '+' : '−'}${f(Math.abs(x))}`;
    lines.push('', `Compared with ${printable(b.model)}:`, ...describeReport(comparison.b, classes).slice(0, 2));
    lines.push(`Deltas (second − first): accuracy ${s(d.accuracy, pct)}, macro F1 ${s(d.macroF1, (x) => x.toFixed(3))}, weighted F1 ${s(d.weightedF1, (x) => x.toFixed(3))}, invalid labels ${s(d.invalidRate, pct)}`);
    lines.push(`Fixed by the second model: ${comparison.fixed.length}; broken: ${comparison.broken.length}; suspected label errors: ${suspectedLabelErrors(a.records, b.records).length}`);
  }
  if (v.out) await writeFileAtomic(v.out, lines.join('\n') + '\n');
  else lines.forEach((l) => io.out(l));
  return 0;
};
