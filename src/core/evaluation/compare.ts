// Two evaluations of the same run side by side (base vs fine-tuned): both reports, the deltas (b − a),
// and the images the second model fixed or broke. Only images both models answered are compared
// image by image; each report covers its own file.
import { computeReport, type ReportOptions } from './metrics';
import type { EvaluationReport, PredictionRecord } from './predictionRecord';

export interface EvaluationComparison {
  a: EvaluationReport;
  b: EvaluationReport;
  deltas: {
    accuracy: number;
    macroF1: number;
    weightedF1: number;
    invalidRate: number;
    perClass: Record<string, { precision: number; recall: number; f1: number }>;
  };
  /** custom_ids wrong (or invalid) in a and right in b. */
  fixed: string[];
  /** custom_ids right in a and wrong (or invalid) in b. */
  broken: string[];
}

export function isCorrect(r: PredictionRecord): boolean {
  return r.error === undefined && r.valid && r.predicted === r.truth;
}

/** Answered records by custom_id. */
export function answeredById(records: PredictionRecord[]): Map<string, PredictionRecord> {
  return new Map(records.filter((r) => r.error === undefined).map((r) => [r.custom_id, r]));
}

const byNumericId = (x: string, y: string) => Number(x) - Number(y) || x.localeCompare(y);

export function compareEvaluations(a: PredictionRecord[], b: PredictionRecord[], classes: string[], opts: ReportOptions = {}): EvaluationComparison {
  const ra = computeReport(a, classes, opts);
  const rb = computeReport(b, classes, opts);
  // Object.fromEntries: a class named "__proto__" is an own entry, not the object's prototype.
  const perClass: EvaluationComparison['deltas']['perClass'] = Object.fromEntries(
    classes.map((c) => {
      const x = ra.perClass[c]!;
      const y = rb.perClass[c]!;
      return [c, { precision: y.precision - x.precision, recall: y.recall - x.recall, f1: y.f1 - x.f1 }];
    }),
  );
  const bById = answeredById(b);
  const fixed: string[] = [];
  const broken: string[] = [];
  for (const [id, ra1] of answeredById(a)) {
    const rb1 = bById.get(id);
    if (!rb1) continue;
    if (!isCorrect(ra1) && isCorrect(rb1)) fixed.push(id);
    if (isCorrect(ra1) && !isCorrect(rb1)) broken.push(id);
  }
  return {
    a: ra,
    b: rb,
    deltas: {
      accuracy: rb.accuracy - ra.accuracy,
      macroF1: rb.macroF1 - ra.macroF1,
      weightedF1: rb.weightedF1 - ra.weightedF1,
      invalidRate: rb.invalidRate - ra.invalidRate,
      perClass,
    },
    fixed: fixed.sort(byNumericId),
    broken: broken.sort(byNumericId),
  };
}
