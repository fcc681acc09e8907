// The dataset model shared by the scanner, the health check, the CLI and the extension.
// Paths inside a Dataset are relative to its root with '/' separators, so manifests and
// JSON output are portable and join back to files on any OS.
import { z } from 'zod';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp'] as const;

export const problemKindSchema = z.enum([
  'empty-class', // a class folder with no images
  'tiny-class', // fewer than 2 images: cannot be split into train and test
  'non-image', // a file that is not a supported image type (skipped)
  'unreadable', // a file or folder that could not be read (permissions, broken link, loop)
  'imbalance', // largest class >= 3x the smallest
  'no-classes', // the root has no class folders
  'root-files', // images lying directly in the root, outside any class
  'corrupt', // (health check) decoding failed
  'truncated', // (health check) decoded but data ends early
  'zero-byte', // (health check or scan) empty file
  'unsupported', // (health check) a real image in a format we cannot train on
  'oversized', // (health check) pixel count over the decompression-bomb limit
  'unusual-size', // (health check) dimensions differ from the dataset's usual size
]);
export type ProblemKind = z.infer<typeof problemKindSchema>;

export const problemSchema = z.object({
  kind: problemKindSchema,
  path: z.string().optional(),
  class: z.string().optional(),
  message: z.string(),
});
export type Problem = z.infer<typeof problemSchema>;

export const skippedFileSchema = z.object({ path: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof skippedFileSchema>;

export const imageEntrySchema = z.object({
  /** Path relative to the dataset root, '/'-separated. */
  path: z.string(),
  /** Size in bytes, when known (the scanner only stats when it must). */
  bytes: z.number().int().nonnegative().optional(),
});
export type ImageEntry = z.infer<typeof imageEntrySchema>;

export const datasetClassSchema = z.object({
  name: z.string(),
  count: z.number().int().nonnegative(),
  images: z.array(z.string()).optional(),
});

export const scanSummarySchema = z.object({
  root: z.string(),
  classes: z.array(datasetClassSchema),
  total: z.number().int().nonnegative(),
  skipped: z.array(skippedFileSchema),
  problems: z.array(problemSchema),
});
/** The JSON shape printed by `pixtune scan --json` (a stable CLI contract). */
export type ScanSummary = z.infer<typeof scanSummarySchema>;

/** One class folder of a scanned dataset. `images` are sorted by path (code-point order) for determinism. */
export interface DatasetClass {
  name: string;
  images: ImageEntry[];
}

/** The result of `scanDataset(root, options)` in src/core/dataset/scanDataset.ts. */
export interface Dataset {
  /** Absolute path of the dataset root. */
  root: string;
  /** Sorted by name (code-point order). */
  classes: DatasetClass[];
  skipped: SkippedFile[];
  problems: Problem[];
}

export interface ScanOptions {
  /** Include images in sub-folders of a class folder (default true; setting pixtune.includeNestedFolders). */
  includeNested?: boolean;
  signal?: AbortSignal;
}

/** Problem kinds that make an image unusable for training (the health check's "broken"; `unusual-size` is only a warning). */
export const BROKEN_IMAGE_KINDS: ReadonlySet<ProblemKind> = new Set(['zero-byte', 'corrupt', 'truncated', 'unsupported', 'oversized', 'unreadable']);

/** One image as the health check saw it (see checkDatasetHealth.ts). */
export const checkedImageSchema = z.object({
  path: z.string(),
  class: z.string(),
  bytes: z.number().int().nonnegative().optional(),
  /** As displayed, i.e. after EXIF orientation. */
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  format: z.string().optional(),
  /** sharp's pixel depth name: 'uchar' (8 bits per channel) or 'ushort' (16). */
  depth: z.string().optional(),
  bitDepth: z.number().int().positive().optional(),
  channels: z.number().int().positive().optional(),
  hasAlpha: z.boolean().optional(),
  /** EXIF orientation (1–8) when present. */
  orientation: z.number().int().optional(),
  problem: problemSchema.optional(),
});
export type CheckedImage = z.infer<typeof checkedImageSchema>;

export const healthReportSchema = z.object({
  checked: z.number().int().nonnegative(),
  /** Images with no problem at all (an unusual size counts as a problem here). */
  ok: z.number().int().nonnegative(),
  problems: z.array(problemSchema),
  images: z.array(checkedImageSchema),
  /** The most common width×height, against which "unusual size" is judged; absent when sizes just vary. */
  usualSize: z.object({ width: z.number(), height: z.number(), share: z.number() }).optional(),
  durationMs: z.number().nonnegative(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;
