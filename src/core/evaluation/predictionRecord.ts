// The contract every part of evaluation shares: one line of predictions/<model-slug>.jsonl and the report
// computed from a set of them. Producers: live chat / batch runs (core/evaluation), imports, and the Python
// trainer's `predict` (src/trainer, which writes the same fields). Consumers: metrics, the CLI `report`,
// the review webview. Types come from the schemas; change them here, nowhere else.
import { z } from 'zod';

export const usageSchema = z.object({
  prompt_tokens: z.number().nonnegative(),
  completion_tokens: z.number().nonnegative(),
  total_tokens: z.number().nonnegative().optional(),
});

export const predictionRecordSchema = z.object({
  /** The image's custom_id in test.batch.jsonl (its dataset-order index in manifest.json, as a string). */
  custom_id: z.string().min(1),
  /** The image's path relative to the dataset root, as in manifest.json. */
  path: z.string(),
  /** The class folder the image came from. */
  truth: z.string(),
  /** A class of the run (after normalisation), or null when the answer named none. */
  predicted: z.string().nullable(),
  /** predicted is one of the run's classes. */
  valid: z.boolean(),
  /** The model's text exactly as received ("" when the request failed). */
  raw: z.string(),
  description: z.string().optional(),
  /** Set when no answer could be had for this image (the request failed for good); such lines are retried on resume. */
  error: z.string().optional(),
  usage: usageSchema.optional(),
  latencyMs: z.number().nonnegative().optional(),
  /** The model that answered (its id as the server names it); lets a predictions file name its model. */
  model: z.string().optional(),
});
export type PredictionRecord = z.infer<typeof predictionRecordSchema>;

export const classMetricsSchema = z.object({
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int().nonnegative(),
});
export type ClassMetrics = z.infer<typeof classMetricsSchema>;

export const evaluationReportSchema = z.object({
  total: z.number().int().nonnegative(),
  accuracy: z.number(),
  macroPrecision: z.number(),
  macroRecall: z.number(),
  macroF1: z.number(),
  weightedPrecision: z.number(),
  weightedRecall: z.number(),
  weightedF1: z.number(),
  /** Share of answers whose label is not one of the classes (parse failures included). */
  invalidRate: z.number(),
  /** Share of answers from which no label could be read at all. */
  parseFailureRate: z.number(),
  /** Share of lines whose request failed (no answer). */
  errorRate: z.number(),
  perClass: z.record(z.string(), classMetricsSchema),
  /** Rows are the truth, columns the prediction; the last column is "invalid" (labels = classes + ['(invalid)']). */
  confusion: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number().int().nonnegative())) }),
  tokens: z.object({ prompt: z.number(), completion: z.number() }),
  cost: z.number().nullable(),
  latencyMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number() }).nullable(),
});
export type EvaluationReport = z.infer<typeof evaluationReportSchema>;
