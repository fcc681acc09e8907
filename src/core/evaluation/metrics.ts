// The evaluation report of a set of predictions. The figures are scikit-learn's definitions, so a user
// can check them in a notebook: accuracy_score, and precision_recall_fscore_support(labels=classes,
// zero_division=0) where an invalid answer is a label outside the classes — it counts against its true
// class (a false negative) and never as a column of the averages. Lines whose request failed (`error`)
// had no answer: they are left out of every figure except errorRate, and are retried on resume.
import { parseAnswer } from './parseAnswer';
import type { ClassMetrics, EvaluationReport, PredictionRecord } from './predictionRecord';

export const INVALID_LABEL = '(invalid)';

export interface ReportOptions {
  /** USD per million tokens; without it the cost is null. */
  pricePerMillionTokens?: { prompt: number; completion: number };
}

/** The class a record counts as: its prediction when valid, INVALID_LABEL otherwise. */
export function predictedColumn(r: PredictionRecord, classSet: ReadonlySet<string>): string {
  return r.valid && r.predicted !== null && classSet.has(r.predicted) ? r.predicted : INVALID_LABEL;
}

/** numpy.percentile's default (linear interpolation between closest ranks). */
export function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

export function computeReport(records: PredictionRecord[], classes: string[], opts: ReportOptions = {}): EvaluationReport {
  const classSet = new Set(classes);
  const answered = records.filter((r) => r.error === undefined);
  const labels = [...classes, INVALID_LABEL];
  const col = new Map(labels.map((l, i) => [l, i]));
  const matrix = classes.map(() => labels.map(() => 0));
  const tp = classes.map(() => 0);
  const predictedCount = classes.map(() => 0);
  const support = classes.map(() => 0);
  let correct = 0;
  let invalid = 0;
  let unparsed = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  const latencies: number[] = [];

  for (const r of answered) {
    const pred = predictedColumn(r, classSet);
    const t = classes.indexOf(r.truth);
    const p = col.get(pred)!;
    if (pred === r.truth) correct++;
    if (pred === INVALID_LABEL) {
      invalid++;
      if (!parseAnswer(r.raw, classes).parsed) unparsed++;
    } else predictedCount[p]!++;
    if (t >= 0) {
      support[t]!++;
      matrix[t]![p]!++;
      if (p === t) tp[t]!++;
    }
    promptTokens += r.usage?.prompt_tokens ?? 0;
    completionTokens += r.usage?.completion_tokens ?? 0;
    if (r.latencyMs !== undefined) latencies.push(r.latencyMs);
  }

  // Object.fromEntries defines own properties: a class folder named "__proto__" is a class like any other
  // (an assignment would have set the object's prototype and dropped the class from the report).
  const perClass: Record<string, ClassMetrics> = Object.fromEntries(
    classes.map((c, i) => {
      const precision = ratio(tp[i]!, predictedCount[i]!);
      const recall = ratio(tp[i]!, support[i]!);
      // sklearn: F = 2PR / (P + R), 0 when both are 0.
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
      return [c, { precision, recall, f1, support: support[i]! }];
    }),
  );
  const rows = classes.map((c) => perClass[c]!);
  const totalSupport = support.reduce((a, b) => a + b, 0);
  const macro = (k: 'precision' | 'recall' | 'f1') => ratio(rows.reduce((s, m) => s + m[k], 0), rows.length);
  const weighted = (k: 'precision' | 'recall' | 'f1') => ratio(rows.reduce((s, m) => s + m[k] * m.support, 0), totalSupport);
  latencies.sort((a, b) => a - b);
  const price = opts.pricePerMillionTokens;

  return {
    total: answered.length,
    accuracy: ratio(correct, answered.length),
    macroPrecision: macro('precision'),
    macroRecall: macro('recall'),
    macroF1: macro('f1'),
    weightedPrecision: weighted('precision'),
    weightedRecall: weighted('recall'),
    weightedF1: weighted('f1'),
    invalidRate: ratio(invalid, answered.length),
    parseFailureRate: ratio(unparsed, answered.length),
    errorRate: ratio(records.length - answered.length, records.length),
    perClass,
    confusion: { labels, matrix },
    tokens: { prompt: promptTokens, completion: completionTokens },
    cost: price ? (promptTokens * price.prompt + completionTokens * price.completion) / 1e6 : null,
    latencyMs: latencies.length
      ? { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99) }
      : null,
  };
}
