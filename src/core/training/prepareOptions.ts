// The settings of one "prepare training data" run, as a zod schema with defaults, so the
// extension can validate settings it remembered from an earlier session and the CLI and the
// extension share one definition.
import { z } from 'zod';
import { tileOptionsSchema } from '../images/encodeTile';
import { splitOptionsSchema } from './splitStratified';

export const prepareOptionsSchema = z.object({
  split: splitOptionsSchema.prefault({}),
  image: tileOptionsSchema.prefault({}),
  /** "reference", "compact" or the path of a JSON template file (see promptTemplates.ts). */
  template: z.string().min(1).default('reference'),
  /** Remove exact and near duplicates before splitting (see duplicatesToDrop for which ones). */
  dropDuplicates: z.boolean().default(false),
  /** Perceptual-hash Hamming distance at or below which two images count as near-duplicates (0 turns it off). */
  nearDuplicateDistance: z.number().int().min(0).max(12).default(4),
  /** Split train.jsonl into train.part-001.jsonl, … of at most this many bytes each. */
  maxFileBytes: z.number().int().positive().optional(),
  /** For the cost estimate only. */
  epochs: z.number().positive().default(2),
  pricePerMillion: z.number().nonnegative().default(2),
});
export type PrepareOptions = z.infer<typeof prepareOptionsSchema>;
export type PrepareOptionsInput = z.input<typeof prepareOptionsSchema>;
