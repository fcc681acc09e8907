// The write pass: every planned image is streamed into its split's file — train.jsonl (or parts),
// validation.jsonl, test.batch.jsonl — then manifest.json and report.md are written.
//
// Each image is decoded exactly once (hash and tile from the same pixels): the tiles wait in a scratch
// spool (EncodedTiles) while the plan is made, then the files are assembled from the spool. The UI
// encodes first (encodeAndPlan), shows the plan, and hands the same tiles over here. A bare plan from
// planPreparation (hashes only) also works: its images are then read, checked and encoded again.
// Either way memory holds a few tiles at a time, and the files are atomic: a cancelled or failed run
// leaves none of them (and no temp file) behind.
import { join, resolve } from 'node:path';
import type { Dataset } from '../dataset/types';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fsutil/atomicWrite';
import { writeFolderAtomic } from '../fsutil/atomicFolder';
import { encodeTile, toDataUrl } from '../images/encodeTile';
import { estimateCost, estimateTokens, requestTokens } from './estimateTokens';
import { batchLineParts, fineTuningLineParts } from './jsonlRecords';
import { TOOL_VERSION, type Manifest, type ManifestImage } from './manifest';
import { mapOrdered } from './mapOrdered';
import {
  defaultConcurrency,
  overUploadLimit,
  outcomeOfError,
  readSource,
  sha256Hex,
  type PlanEstimate,
  type PlannedImage,
  type PreparationPlan,
  type RunContext,
  type SkippedImage,
} from './planPreparation';
import { prepareOptionsSchema, type PrepareOptions, type PrepareOptionsInput } from './prepareOptions';
import { isRunFileName } from './runOutputs';
import { progressReporter } from './progressReporter';
import { EncodedTiles } from './encodedTiles';
import { renderPrompt, resolveTemplate, type RenderedPrompt } from './promptTemplates';
import { renderReport } from './reportMarkdown';
import { ShardedJsonlWriter, type WrittenFile } from './shardedJsonlWriter';
import { SPLITS, type ClassSplitCounts, type SplitName } from './splitStratified';

export interface PrepareContext extends RunContext {
  /** The plan shown to the user; its hashes and split are used as they are. Must come from the same dataset and options. */
  plan?: PreparationPlan;
  /**
   * Tiles already encoded (encodeAndPlan): used when they fit the dataset and image options, so
   * nothing is decoded again. The caller disposes them.
   */
  tiles?: EncodedTiles;
  /** ISO timestamp recorded in the manifest; left out by default so identical runs give identical files. */
  createdAt?: string;
  /** Replace a run already in outDir (as a whole). Without it a folder holding a run is refused. */
  replace?: boolean;
}

export interface PrepareResult {
  outDir: string;
  files: (WrittenFile & { kind: 'finetune' | 'batch'; split: SplitName })[];
  manifestPath: string;
  reportPath: string;
  perClass: ClassSplitCounts[];
  skipped: SkippedImage[];
  /** Recomputed after writing, from the images actually written and the real file sizes. */
  estimate: PlanEstimate;
  warnings: string[];
  duplicates: PreparationPlan['duplicates'];
  plan: PreparationPlan;
}

export const OUTPUT_FILES = { train: 'train', validation: 'validation', test: 'test.batch' } as const;

type TileOutcome = { ok: true; bytes: Buffer; mimeType: 'image/jpeg' | 'image/png' } | { ok: false; reason: string };

export async function prepareTrainingData(dataset: Dataset, optionsInput: PrepareOptionsInput, outDir: string, ctx: PrepareContext = {}): Promise<PrepareResult> {
  outDir = resolve(outDir);
  const options = prepareOptionsSchema.parse(optionsInput);
  await resolveTemplate(options.template); // a bad template file fails before any image is read
  // The whole run is written into a staging folder beside outDir and renamed into place at the end
  // (writeFolderAtomic): a full disk or a cancellation leaves the old run or nothing, never a mix.
  const written = await writeFolderAtomic(outDir, (stage) => writeRunFiles(dataset, options, stage, ctx), {
    replace: ctx.replace,
    replaceable: isRunFileName,
  });
  return { ...written, outDir, manifestPath: join(outDir, 'manifest.json'), reportPath: join(outDir, 'report.md'), files: written.files.map((f) => ({ ...f, path: join(outDir, f.name) })) };
}

async function writeRunFiles(dataset: Dataset, options: PrepareOptions, outDir: string, ctx: PrepareContext): Promise<PrepareResult> {
  // Tiles encoded for the plan the user saw are used as they are, whatever split or sharding was
  // chosen since; otherwise every image is decoded here, once, into a spool next to the outputs.
  const given = ctx.tiles?.fits(dataset, options) ? ctx.tiles : undefined;
  if (ctx.plan && !given) {
    const plan = ctx.plan;
    return writeRun(plan, outDir, ctx, async (image) => {
      try {
        const buf = await readSource(plan.datasetRoot, image.path, ctx.signal);
        if (sha256Hex(buf) !== image.sha256) return { ok: false, reason: 'the file changed after the plan was made' };
        const tile = await encodeTile(buf, plan.options.image, { format: '', width: image.sourceWidth, height: image.sourceHeight });
        return { ok: true, bytes: tile.bytes, mimeType: tile.mimeType };
      } catch (err) {
        return outcomeOfError(err);
      }
    });
  }
  const tiles = given ?? (await EncodedTiles.encode(dataset, options.image, outDir, ctx));
  try {
    const plan = await tiles.plan(dataset, options);
    return await writeRun(plan, outDir, ctx, async (image) => ({ ok: true, bytes: await tiles.read(image.index), mimeType: tiles.mimeType }));
  } finally {
    if (!given) await tiles.dispose();
  }
}

async function writeRun(plan: PreparationPlan, outDir: string, ctx: PrepareContext, tileOf: (image: PlannedImage) => Promise<TileOutcome>): Promise<PrepareResult> {
  const o = plan.options;
  if (plan.needsSharding) {
    const over = overUploadLimit(plan.estimate).map((f) => f.label);
    throw new UserError(
      `${over.join(', ')} would be over Mistral's 512 MB upload limit for one file.`,
      'Set a maximum file size (maxFileBytes, --max-file-mb) to write the files in parts, or downscale the images more.',
    );
  }
  const prompts = new Map<string, { prompt: RenderedPrompt; ft: [string, string] }>();
  const promptFor = (label: string) => {
    let p = prompts.get(label);
    if (!p) {
      const prompt = renderPrompt(plan.template, plan.classes, label);
      prompts.set(label, (p = { prompt, ft: fineTuningLineParts(prompt) }));
    }
    return p;
  };
  const writers: Partial<Record<SplitName, ShardedJsonlWriter>> = {};
  for (const s of SPLITS) {
    if (plan.splits[s].length) writers[s] = new ShardedJsonlWriter(outDir, OUTPUT_FILES[s], o.maxFileBytes);
  }
  const manifestImages: ManifestImage[] = plan.images.map((im) => ({
    index: im.index,
    path: im.path,
    class: im.class,
    split: im.split,
    sha256: im.sha256,
    pHash: im.pHash,
    sourceBytes: im.bytes,
    sourceWidth: im.sourceWidth,
    sourceHeight: im.sourceHeight,
    width: im.width,
    height: im.height,
  }));
  const skipped: SkippedImage[] = [...plan.skipped];
  const failedInWrite: { image: PlannedImage; split: SplitName }[] = [];
  const jobs = SPLITS.flatMap((s) => plan.splits[s].map((ix) => ({ split: s, image: plan.images[ix]! })));
  const progress = progressReporter(jobs.length, 'writing', ctx.onProgress);

  let committed = false;
  try {
    for (const w of Object.values(writers)) await w.open();
    const tiles = mapOrdered(jobs, ({ image }) => tileOf(image), { concurrency: ctx.concurrency ?? defaultConcurrency(), signal: ctx.signal });
    let k = 0;
    for await (const t of tiles) {
      const { split, image } = jobs[k++]!;
      const entry = manifestImages[image.index]!;
      if (!t.ok) {
        entry.split = 'skipped';
        skipped.push({ path: image.path, class: image.class, reason: t.reason });
        failedInWrite.push({ image, split });
      } else {
        const p = promptFor(image.class);
        const [before, after] = split === 'test' ? batchLineParts(String(image.index), p.prompt) : p.ft;
        const at = await writers[split]!.writeLine([before, toDataUrl(t), after]);
        entry.outputBytes = t.bytes.length;
        entry.file = at.file;
        entry.line = at.line;
      }
      progress.tick();
    }
    ctx.signal?.throwIfAborted();

    const perClass = plan.perClass.map((c) => ({ ...c }));
    for (const f of failedInWrite) {
      const c = perClass.find((x) => x.class === f.image.class)!;
      c[f.split]--;
      c.total--;
    }
    const warnings = [...plan.warnings];
    if (failedInWrite.length) warnings.push(`${failedInWrite.length} image(s) failed to encode and were skipped`);

    // Commit: JSONL files first, then the manifest that describes them, then the report.
    const files: PrepareResult['files'] = [];
    for (const s of SPLITS) {
      const w = writers[s];
      if (w) for (const f of await w.commit()) files.push({ ...f, kind: s === 'test' ? 'batch' : 'finetune', split: s });
    }
    committed = true;
    const estimate = reestimate(plan, manifestImages, files, (label) => promptFor(label).prompt);
    const manifest: Manifest = {
      tool: { name: 'pixtune', version: TOOL_VERSION },
      ...(ctx.createdAt ? { createdAt: ctx.createdAt } : {}),
      datasetRoot: plan.datasetRoot,
      classes: plan.classes,
      options: o as unknown as Record<string, unknown>,
      prompt: plan.template,
      files: files.map((f) => ({ name: f.name, kind: f.kind, split: f.split, bytes: f.bytes, lines: f.lines })),
      images: manifestImages,
      skipped,
      duplicates: plan.duplicates,
      warnings,
      estimate: {
        examples: estimate.train.examples,
        dataTokens: estimate.train.dataTokens,
        epochs: estimate.train.epochs,
        pricePerMillion: estimate.train.pricePerMillion,
        cost: estimate.train.cost,
      },
    };
    const manifestPath = join(outDir, 'manifest.json');
    const reportPath = join(outDir, 'report.md');
    await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    await writeFileAtomic(reportPath, renderReport(manifest, perClass, estimate));
    return { outDir, files, manifestPath, reportPath, perClass, skipped, estimate, warnings, duplicates: plan.duplicates, plan };
  } finally {
    if (!committed) await Promise.all(Object.values(writers).map((w) => w.abort()));
  }
}

/** The plan's estimate redone for the images actually written, with the real file sizes. */
function reestimate(plan: PreparationPlan, images: ManifestImage[], files: PrepareResult['files'], prompt: (label: string) => RenderedPrompt): PlanEstimate {
  const of = (s: SplitName) => images.filter((im) => im.file && im.split === s);
  const train = estimateTokens({ prompt, examples: of('train') });
  const validation = estimateTokens({ prompt, examples: of('validation') });
  const bytesOf = (s: SplitName) => files.filter((f) => f.split === s).reduce((n, f) => n + f.bytes, 0);
  const t = plan.estimate.train;
  return {
    train: { ...estimateCost(train.tokens, t.epochs, t.pricePerMillion), examples: train.examples },
    validationTokens: validation.tokens,
    testTokens: of('test').reduce((n, im) => n + requestTokens(prompt(im.class), im), 0),
    tokensPerExample: train.examples ? Math.round(train.tokens / train.examples) : 0,
    trainBytes: bytesOf('train'),
    validationBytes: bytesOf('validation'),
    testBytes: bytesOf('test'),
  };
}
