// The typed messages between the review / gallery webview and the extension host, validated with zod on both
// sides. The page never gets a file path to act on: it names tiles by their index in the list the host sent,
// and gets images as webview URIs, a page at a time. Paths it shows (relative to the dataset) are display text.
// zod/mini and types only, so the bundle stays small and never pulls in core code.
import {
  array, boolean, discriminatedUnion, enum as oneOf, int, literal, maxLength, minimum, nullable, number, object, optional,
  record, string, type infer as Infer,
} from 'zod/mini';
import type { ConfusedPair } from '../../core/evaluation/confusedPairs';
import type { EvaluationReport } from '../../core/evaluation/predictionRecord';

const classMetrics = object({ precision: number(), recall: number(), f1: number(), support: number() });

export const reviewReportSchema = object({
  total: number(),
  accuracy: number(),
  macroPrecision: number(),
  macroRecall: number(),
  macroF1: number(),
  weightedPrecision: number(),
  weightedRecall: number(),
  weightedF1: number(),
  invalidRate: number(),
  parseFailureRate: number(),
  errorRate: number(),
  perClass: record(string(), classMetrics),
  confusion: object({ labels: array(string()), matrix: array(array(number())) }),
  tokens: object({ prompt: number(), completion: number() }),
  cost: nullable(number()),
  latencyMs: nullable(object({ p50: number(), p90: number(), p99: number() })),
});
export type ReviewReport = Infer<typeof reviewReportSchema>;

// Fails to compile if this schema and the core's report drift apart (in either direction; integer checks aside).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const reportMatchesCore: Same<ReviewReport, EvaluationReport> = true;
void reportMatchesCore;

/** A pair of classes mixed up in either direction (core/evaluation/confusedPairs). */
export const confusedPairSchema = object({ a: string(), b: string(), aAsB: number(), bAsA: number(), total: number() });
const pairMatchesCore: Same<Infer<typeof confusedPairSchema>, ConfusedPair> = true;
void pairMatchesCore;

/** One tile of the grid. `predicted`/`valid` are absent in a gallery (no predictions). */
export const reviewTileSchema = object({
  /** File name, for the tile caption and the text search. */
  name: string(),
  /** Path relative to the dataset root (display only). */
  path: string(),
  truth: string(),
  predicted: optional(nullable(string())),
  valid: optional(boolean()),
  /** For an invalid answer: the label as the model wrote it, when one could be read (at most 60 characters). */
  said: optional(string()),
  /** The request for this image failed for good (no answer). */
  failed: optional(boolean()),
  /** The second model's answer, when comparing. */
  other: optional(object({ predicted: nullable(string()), valid: boolean(), failed: optional(boolean()) })),
  /** Set after the image was moved to another class folder from the review. */
  movedTo: optional(string()),
});
export type ReviewTile = Infer<typeof reviewTileSchema>;

export const reviewViewSchema = object({
  /** Opaque id of the panel's source (kept with setState so a reloaded window reopens the same view). */
  key: string(),
  mode: oneOf(['review', 'gallery']),
  title: string(),
  subtitle: string(),
  classes: array(string()),
  tiles: array(reviewTileSchema),
  report: optional(reviewReportSchema),
  /** The most confused pairs of classes, worst first. */
  confusedPairs: array(confusedPairSchema),
  /** Why some lines of the predictions file were skipped, if any (shown above the grid). */
  problems: array(string()),
  compare: optional(
    object({
      label: string(),
      report: reviewReportSchema,
      /** Tile indices wrong in the first evaluation and right in the second, and the reverse. */
      fixed: array(number()),
      broken: array(number()),
      /** Tiles where both models agree on a label other than the folder's. */
      labelErrors: array(object({ index: number(), agreed: string() })),
    }),
  ),
  canCompare: boolean(),
});
export type ReviewView = Infer<typeof reviewViewSchema>;

export const thumbSchema = object({ index: number(), uri: optional(string()), reason: optional(string()) });

export const reviewHostToWebviewSchema = discriminatedUnion('type', [
  object({ type: literal('view'), view: reviewViewSchema }),
  object({ type: literal('thumbs'), items: array(thumbSchema) }),
  object({
    type: literal('detail'),
    index: number(),
    imageUri: optional(string()),
    raw: optional(string()),
    description: optional(string()),
    error: optional(string()),
    otherRaw: optional(string()),
  }),
  object({ type: literal('moved'), index: number(), to: optional(string()) }),
  object({ type: literal('error'), message: string() }),
]);
export type ReviewHostToWebview = Infer<typeof reviewHostToWebviewSchema>;

const tileIndex = int().check(minimum(0));

export const reviewWebviewToHostSchema = discriminatedUnion('type', [
  object({ type: literal('ready') }),
  /** Thumbnails wanted for these tiles (what is on screen, plus a little). */
  object({ type: literal('thumbs'), indices: array(tileIndex).check(maxLength(600)) }),
  object({ type: literal('detail'), index: tileIndex }),
  object({ type: literal('open'), index: tileIndex }),
  object({ type: literal('reveal'), index: tileIndex }),
  object({ type: literal('move'), index: tileIndex, to: string() }),
  object({ type: literal('undoMove'), index: tileIndex }),
  object({ type: literal('compare') }),
  object({ type: literal('export'), format: oneOf(['markdown', 'html']) }),
]);
export type ReviewWebviewToHost = Infer<typeof reviewWebviewToHostSchema>;
