// Everything about a preparation run that can be known without writing it: which images are
// usable (header + decode check), their content and perceptual hashes, duplicates and leaks
// across splits or labels, the split itself, token and cost estimates, and whether train.jsonl
// would exceed the upload limit. The UI shows this before the user commits to the (longer) write.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../dataset/types';
import { encodeTile, hashImage, ImageRejectedError, readImageHeader, tileSize, type ImageHeader } from '../images/encodeTile';
import { duplicatesToDrop, findDuplicateGroups, type DuplicateGroup } from './findDuplicates';
import { estimateCost, estimateTokens, requestTokens, type CostEstimate } from './estimateTokens';
import { fineTuningLineParts } from './jsonlRecords';
import { mapOrdered } from './mapOrdered';
import { prepareOptionsSchema, type PrepareOptions, type PrepareOptionsInput } from './prepareOptions';
import { progressReporter, type ProgressCallback } from './progressReporter';
import { renderPrompt, resolveTemplate, type PromptTemplate, type RenderedPrompt } from './promptTemplates';
import { splitStratified, SPLITS, type ClassSplitCounts, type SplitName } from './splitStratified';
import { MAX_UPLOAD_BYTES } from './validateJsonl';

export interface RunContext {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Images processed at once (default: the number of CPUs, at least 2). */
  concurrency?: number;
}

export interface PlannedImage {
  /** Position in dataset order (classes by name, then paths); also the batch `custom_id`. */
  index: number;
  path: string;
  class: string;
  bytes: number;
  sha256: string;
  pHash: string;
  sourceWidth: number;
  sourceHeight: number;
  width: number;
  height: number;
  /** Where the image goes; 'dropped' = removed as a duplicate. */
  split: SplitName | 'dropped';
}

export interface SkippedImage {
  path: string;
  class: string;
  reason: string;
  /** A file the scan set aside (notes.txt, an unreadable entry): listed with the skipped, never counted as an image. */
  notAnImage?: true;
}

/** The skipped entries that were images (the ones a "N images were skipped" message may count). */
export function skippedImagesOnly<T extends { notAnImage?: true }>(skipped: readonly T[]): T[] {
  return skipped.filter((s) => !s.notAnImage);
}

export interface DuplicateReport extends DuplicateGroup {
  /** Different splits among the members: the test set would contain what training saw. */
  crossSplit: boolean;
  /** Different classes among the members: the same picture carries two labels. */
  crossClass: boolean;
}

export interface PlanEstimate {
  train: CostEstimate & { examples: number };
  validationTokens: number;
  /** Input tokens of the test batch (prediction requests, no answers). */
  testTokens: number;
  /** Mean tokens per training example. */
  tokensPerExample: number;
  /** Estimated size of the training data (all parts together), from a sample of encoded images. */
  trainBytes: number;
  validationBytes: number;
  testBytes: number;
}

export interface PreparationPlan {
  options: PrepareOptions;
  template: PromptTemplate;
  datasetRoot: string;
  /** Class names from the dataset (every class folder, even one whose images were all skipped). */
  classes: string[];
  images: PlannedImage[];
  skipped: SkippedImage[];
  /** Image indices per split, in file order. */
  splits: Record<SplitName, number[]>;
  perClass: ClassSplitCounts[];
  duplicates: DuplicateReport[];
  estimate: PlanEstimate;
  /** A file (training, validation or test batch) would be over the upload limit and no maxFileBytes was set. */
  needsSharding: boolean;
  warnings: string[];
}

const mb = (b: number) => Math.round(b / 1048576);

/** The files a plan writes, with their estimated sizes. */
function estimatedFiles(estimate: PlanEstimate): { name: string; bytes: number }[] {
  return [
    { name: 'train.jsonl', bytes: estimate.trainBytes },
    { name: 'validation.jsonl', bytes: estimate.validationBytes },
    { name: 'test.batch.jsonl', bytes: estimate.testBytes },
  ];
}

/** Files that would not fit one upload, as "train.jsonl (about 600 MB)". */
export function overUploadLimit(estimate: PlanEstimate): { name: string; label: string }[] {
  return estimatedFiles(estimate)
    .filter((f) => f.bytes > MAX_UPLOAD_BYTES)
    .map((f) => ({ name: f.name, label: `${f.name} (about ${mb(f.bytes)} MB)` }));
}

export function defaultConcurrency(): number {
  // sharp runs one libvips thread per image here (sharp.concurrency() is 1), so a few images in flight
  // keep both cores busy while others wait on I/O; libuv's pool (4 threads) bounds it anyway.
  return Math.max(4, availableParallelism());
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function rejectionReason(err: unknown): string | undefined {
  if (err instanceof ImageRejectedError) return err.reason;
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'the file no longer exists';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return undefined;
}

const SAMPLE_SIZE = 12;

/** Mean encoded bytes per output pixel, from a few images spread over the list (deterministic). */
async function sampleBytesPerPixel(root: string, images: PlannedImage[], options: PrepareOptions, signal?: AbortSignal): Promise<number> {
  if (!images.length) return 0;
  const step = Math.max(1, Math.floor(images.length / SAMPLE_SIZE));
  let bytes = 0;
  let pixels = 0;
  for (let k = 0; k < SAMPLE_SIZE && k * step < images.length; k++) {
    signal?.throwIfAborted();
    const im = images[k * step]!;
    try {
      const tile = await encodeTile(join(root, im.path), options.image);
      bytes += Math.ceil(tile.bytes.length / 3) * 4 + `data:${tile.mimeType};base64,`.length;
      pixels += tile.width * tile.height;
    } catch {
      // A file that fails here is reported by the write pass; the sample just skips it.
    }
  }
  return pixels ? bytes / pixels : 0;
}

/** What the hash (or one-pass encode) stage learns about one dataset image. */
export type HashOutcome = { ok: true; bytes: number; sha256: string; header: ImageHeader; pHash: string } | { ok: false; reason: string };

export interface DatasetEntry {
  path: string;
  class: string;
}

/** Dataset images in dataset order (classes by name as scanned, then paths). */
export function datasetEntries(dataset: Dataset): DatasetEntry[] {
  return dataset.classes.flatMap((c) => c.images.map((im) => ({ path: im.path, class: c.name })));
}

/**
 * Largest source image read into memory (per image; a few are read at once). Multi-GB GeoTIFFs are
 * normal in remote sensing: they are refused with the reason, never read whole.
 */
export const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

/**
 * Read a file and check it: returns its bytes, or why it cannot be used. Unknown failures are thrown.
 * The size comes from stat and the header from the path before any full read, so an oversized or
 * non-image file (a sparse 2 GB ".jpg") costs a stat and a few header bytes, not its size in memory.
 */
export async function readSource(root: string, path: string, signal?: AbortSignal, maxBytes = MAX_SOURCE_BYTES): Promise<Buffer> {
  const full = join(root, path);
  const info = await stat(full);
  if (!info.isFile()) throw new ImageRejectedError('not a regular file');
  if (info.size === 0) throw new ImageRejectedError('the file is empty');
  if (info.size > maxBytes) {
    throw new ImageRejectedError(`the file is ${formatMegabytes(info.size)}, over the ${formatMegabytes(maxBytes)} limit for one image: tile or downscale it first`);
  }
  await readImageHeader(full, Number.POSITIVE_INFINITY);
  const buf = await readFile(full, { signal });
  if (buf.length === 0) throw new ImageRejectedError('the file is empty');
  return buf;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 0 })} MB`;
}

/** Maps a failure to a skip reason, or rethrows what is not about the image (cancellation, bugs). */
export function outcomeOfError(err: unknown): { ok: false; reason: string } {
  const reason = rejectionReason(err);
  if (reason === undefined) throw err;
  return { ok: false, reason };
}

export async function planPreparation(dataset: Dataset, optionsInput: PrepareOptionsInput, ctx: RunContext = {}): Promise<PreparationPlan> {
  const options = prepareOptionsSchema.parse(optionsInput);
  const template = await resolveTemplate(options.template);
  const entries = datasetEntries(dataset);
  // Read, hash, check the header and decode (which also proves the file decodes).
  const progress = progressReporter(entries.length, 'hashing', ctx.onProgress);
  const outcomes: HashOutcome[] = [];
  const hashed = mapOrdered(
    entries,
    async (e): Promise<HashOutcome> => {
      try {
        const buf = await readSource(dataset.root, e.path, ctx.signal);
        const { header, pHash } = await hashImage(buf, options.image);
        return { ok: true, bytes: buf.length, sha256: sha256Hex(buf), header, pHash };
      } catch (err) {
        return outcomeOfError(err);
      }
    },
    { concurrency: ctx.concurrency ?? defaultConcurrency(), signal: ctx.signal },
  );
  for await (const h of hashed) {
    outcomes.push(h);
    progress.tick();
  }
  return buildPlan(dataset, options, template, outcomes, (images) => sampleBytesPerPixel(dataset.root, images, options, ctx.signal));
}

/**
 * Everything after hashing: duplicates, the split, estimates, warnings. Shared by planPreparation
 * (a separate hash pass) and the one-pass prepareTrainingData (hashes taken while encoding).
 */
export async function buildPlan(
  dataset: Dataset,
  options: PrepareOptions,
  template: PromptTemplate,
  outcomes: readonly HashOutcome[],
  bytesPerPixel: (train: PlannedImage[]) => Promise<number>,
): Promise<PreparationPlan> {
  const classes = dataset.classes.map((c) => c.name);
  const entries = datasetEntries(dataset);
  const images: PlannedImage[] = [];
  const skipped: SkippedImage[] = [];
  outcomes.forEach((h, i) => {
    const e = entries[i]!;
    if (!h.ok) {
      skipped.push({ path: e.path, class: e.class, reason: h.reason });
      return;
    }
    const out = tileSize(h.header.width, h.header.height, options.image);
    images.push({
      index: images.length,
      path: e.path,
      class: e.class,
      bytes: h.bytes,
      sha256: h.sha256,
      pHash: h.pHash,
      sourceWidth: h.header.width,
      sourceHeight: h.header.height,
      width: out.width,
      height: out.height,
      split: 'train',
    });
  });
  // Files the scanner already set aside (unsupported types, unreadable entries) are listed with the rest.
  for (const s of dataset.skipped) skipped.push({ path: s.path, class: classes.find((c) => s.path.startsWith(c + '/')) ?? '', reason: s.reason, notAnImage: true });

  const groups = findDuplicateGroups(images, options.nearDuplicateDistance);
  const dropped = options.dropDuplicates ? duplicatesToDrop(groups, (ix) => images[ix]!.class) : new Set<number>();
  for (const ix of dropped) images[ix]!.split = 'dropped';

  const split = splitStratified(
    images.filter((im) => !dropped.has(im.index)).map((im) => ({ id: im.index, class: im.class })),
    options.split,
  );
  const splits = Object.fromEntries(SPLITS.map((s) => [s, split[s].map((x) => x.id)])) as Record<SplitName, number[]>;
  for (const s of SPLITS) for (const ix of splits[s]) images[ix]!.split = s;
  // Images of a fixed-count split that were left over belong to no split.
  const placed = new Set(SPLITS.flatMap((s) => splits[s]));
  for (const im of images) if (im.split !== 'dropped' && !placed.has(im.index)) im.split = 'dropped';

  const perClass = classes.map((name) => split.perClass.find((c) => c.class === name) ?? { class: name, total: 0, train: 0, validation: 0, test: 0 });

  const duplicates: DuplicateReport[] = groups.map((g) => ({
    ...g,
    crossSplit: new Set(g.members.map((m) => images[m]!.split).filter((s) => s !== 'dropped')).size > 1,
    crossClass: new Set(g.members.map((m) => images[m]!.class)).size > 1,
  }));

  // Estimates. Prompts differ only by label, so render once per class.
  const prompts = new Map<string, RenderedPrompt>();
  const promptFor = (label: string) => {
    let p = prompts.get(label);
    if (!p) prompts.set(label, (p = renderPrompt(template, classes, label)));
    return p;
  };
  const of = (s: SplitName) => splits[s].map((ix) => images[ix]!);
  const train = estimateTokens({ prompt: promptFor, examples: of('train') });
  const validation = estimateTokens({ prompt: promptFor, examples: of('validation') });
  const testTokens = of('test').reduce((n, im) => n + requestTokens(promptFor(im.class), im), 0);
  const perPixel = await bytesPerPixel(of('train').length ? of('train') : images);
  const bytesOf = (list: PlannedImage[], batch: boolean) =>
    Math.round(
      list.reduce((n, im) => {
        const [a, b] = fineTuningLineParts(promptFor(im.class));
        return n + Buffer.byteLength(a) + Buffer.byteLength(b) + (batch ? 40 : 0) + im.width * im.height * perPixel;
      }, 0),
    );
  const estimate: PlanEstimate = {
    train: { ...estimateCost(train.tokens, options.epochs, options.pricePerMillion), examples: train.examples },
    validationTokens: validation.tokens,
    testTokens,
    tokensPerExample: train.examples ? Math.round(train.tokens / train.examples) : 0,
    trainBytes: bytesOf(of('train'), false),
    validationBytes: bytesOf(of('validation'), false),
    testBytes: bytesOf(of('test'), true),
  };

  const warnings: string[] = [];
  for (const w of split.warnings) warnings.push(w.message);
  for (const c of dataset.classes) {
    if (!images.some((im) => im.class === c.name)) warnings.push(`class "${c.name}" has no usable images: the model will never see an example of it`);
  }
  const skippedImages = skippedImagesOnly(skipped).length;
  const otherFiles = skipped.length - skippedImages;
  if (skippedImages) warnings.push(`${skippedImages} image${skippedImages === 1 ? ' was' : 's were'} skipped (unreadable or unsupported)`);
  if (otherFiles) warnings.push(`${otherFiles} file${otherFiles === 1 ? ' that is not an image was' : 's that are not images were'} ignored`);
  const leaks = duplicates.filter((d) => d.crossSplit);
  const conflicts = duplicates.filter((d) => d.crossClass);
  if (leaks.length) warnings.push(`${leaks.length} group${leaks.length === 1 ? '' : 's'} of duplicate images span different splits: the test score would be inflated${options.dropDuplicates ? '' : ' (use dropDuplicates to remove them)'}`);
  if (conflicts.length) {
    warnings.push(`${conflicts.length} group${conflicts.length === 1 ? '' : 's'} of duplicate images ${conflicts.length === 1 ? 'carries' : 'carry'} different labels${options.dropDuplicates ? ': all their images were dropped' : ''}`);
  }
  if (dropped.size) warnings.push(`${dropped.size} duplicate image${dropped.size === 1 ? ' was' : 's were'} dropped before splitting (dropDuplicates)`);
  // Every file is uploaded on its own (training and validation to fine-tuning, the test file to the Batch
  // API), so each one must fit the per-file limit, and any of them may be written in parts.
  const limit = options.maxFileBytes ?? MAX_UPLOAD_BYTES;
  const sized = estimatedFiles(estimate);
  const oversized = options.maxFileBytes === undefined ? overUploadLimit(estimate).map((f) => f.name) : [];
  const needsSharding = oversized.length > 0;
  for (const f of sized) {
    if (needsSharding && oversized.includes(f.name)) {
      warnings.push(`${f.name} would be about ${mb(f.bytes)} MB, over Mistral's 512 MB upload limit: write it in parts (maxFileBytes), or downscale more`);
    } else if (!needsSharding && f.bytes > limit) {
      warnings.push(`${f.name} (about ${mb(f.bytes)} MB) will be written in parts of at most ${mb(limit)} MB (about ${Math.ceil(f.bytes / limit)})`);
    }
  }
  if (estimate.validationBytes > 1024 * 1024) warnings.push(`validation.jsonl would be about ${(estimate.validationBytes / 1048576).toFixed(1)} MB; Mistral recommends at most 1 MB of validation data`);
  if (!splits.train.length && images.length) warnings.push('no image is in the training split');

  return { options, template, datasetRoot: dataset.root, classes, images, skipped, splits, perClass, duplicates, estimate, needsSharding, warnings };
}
