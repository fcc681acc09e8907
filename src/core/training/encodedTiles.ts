// Every image of a dataset decoded once: its hashes and header (what a plan needs) and its encoded
// tile (what the files need), the tiles waiting in a scratch spool on disk. A plan can be shown to
// the user, changed (drop duplicates, write in parts) and written without decoding anything again:
// the split, the estimate and the files are all made from these. Memory holds offsets only.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../dataset/types';
import { encodeTileWithHash, readImageHeader, type TileOptions } from '../images/encodeTile';
import { mapOrdered } from './mapOrdered';
import {
  buildPlan,
  datasetEntries,
  defaultConcurrency,
  outcomeOfError,
  readSource,
  sha256Hex,
  type HashOutcome,
  type PreparationPlan,
  type RunContext,
} from './planPreparation';
import { prepareOptionsSchema, type PrepareOptions, type PrepareOptionsInput } from './prepareOptions';
import { progressReporter } from './progressReporter';
import { resolveTemplate } from './promptTemplates';
import { SPOOL_PREFIX, TileSpool, type SpoolSpan } from './tileSpool';
import { isProcessAlive } from '../processAlive';

export class EncodedTiles {
  private disposed = false;

  readonly mimeType: 'image/jpeg' | 'image/png';
  private readonly imageKey: string;

  private constructor(
    readonly datasetRoot: string,
    image: TileOptions,
    /** One per dataset entry, in datasetEntries() order. */
    readonly outcomes: readonly HashOutcome[],
    /** One per readable image, in the order buildPlan numbers them (PlannedImage.index). */
    private readonly spans: readonly SpoolSpan[],
    private readonly spool: TileSpool,
    /** Encoded bytes per output pixel, as base64 in a data URL: the size estimate of the files. */
    readonly dataUrlBytesPerPixel: number,
  ) {
    this.imageKey = imageKey(image);
    this.mimeType = image.format === 'png' ? 'image/png' : 'image/jpeg';
  }

  /** Decodes and encodes every image of `dataset` once; the spool goes in `spoolDir` (same disk as the output, ideally). */
  static async encode(dataset: Dataset, image: TileOptions, spoolDir: string, ctx: RunContext = {}): Promise<EncodedTiles> {
    await removeAbandonedSpools(spoolDir);
    const spool = await TileSpool.create(spoolDir);
    try {
      const entries = datasetEntries(dataset);
      const progress = progressReporter(entries.length, 'encoding', ctx.onProgress);
      const outcomes: HashOutcome[] = [];
      const spans: SpoolSpan[] = [];
      let pixels = 0;
      const encoded = mapOrdered(
        entries,
        async (e) => {
          try {
            const buf = await readSource(dataset.root, e.path, ctx.signal);
            const header = await readImageHeader(buf, image.pixelLimit);
            const { tile, pHash } = await encodeTileWithHash(buf, image, header);
            return { outcome: { ok: true, bytes: buf.length, sha256: sha256Hex(buf), header, pHash } as HashOutcome, tile };
          } catch (err) {
            return { outcome: outcomeOfError(err) as HashOutcome, tile: undefined };
          }
        },
        { concurrency: ctx.concurrency ?? defaultConcurrency(), signal: ctx.signal },
      );
      for await (const r of encoded) {
        outcomes.push(r.outcome);
        if (r.tile) {
          spans.push(await spool.append(r.tile.bytes));
          pixels += r.tile.width * r.tile.height;
        }
        progress.tick();
      }
      const perPixel = pixels ? (spool.bytes * 4) / 3 / pixels : 0;
      return new EncodedTiles(dataset.root, image, outcomes, spans, spool, perPixel);
    } catch (err) {
      await spool.dispose();
      throw err;
    }
  }

  /** True when these tiles are what `options` would produce for `dataset` (the split and prompt may differ). */
  fits(dataset: Dataset, options: PrepareOptions): boolean {
    return !this.disposed && dataset.root === this.datasetRoot && imageKey(options.image) === this.imageKey && datasetEntries(dataset).length === this.outcomes.length;
  }

  /** A plan for `options` from these tiles' hashes: no image is read again. */
  async plan(dataset: Dataset, options: PrepareOptions): Promise<PreparationPlan> {
    if (!this.fits(dataset, options)) throw new Error('these tiles were encoded for another dataset or other image options');
    return buildPlan(dataset, options, await resolveTemplate(options.template), this.outcomes, async () => this.dataUrlBytesPerPixel);
  }

  /** The tile of planned image `index`. */
  read(index: number): Promise<Buffer> {
    const span = this.spans[index];
    if (!span) throw new Error(`no tile for image ${index}`);
    return this.spool.read(span);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.spool.dispose();
  }
}

/**
 * Encodes the dataset once and plans the run: what the UI shows before asking to write. The caller
 * owns the tiles (pass them to prepareTrainingData, then dispose them, whatever the user answers).
 */
export async function encodeAndPlan(
  dataset: Dataset,
  optionsInput: PrepareOptionsInput,
  spoolDir: string,
  ctx: RunContext = {},
): Promise<{ plan: PreparationPlan; tiles: EncodedTiles }> {
  const options = prepareOptionsSchema.parse(optionsInput);
  await resolveTemplate(options.template); // a bad template file fails before minutes of encoding
  const tiles = await EncodedTiles.encode(dataset, options.image, spoolDir, ctx);
  try {
    return { plan: await tiles.plan(dataset, options), tiles };
  } catch (err) {
    await tiles.dispose();
    throw err;
  }
}

function imageKey(image: TileOptions): string {
  return JSON.stringify({ scale: image.scale, maxEdge: image.maxEdge ?? null, format: image.format, quality: image.quality, pixelLimit: image.pixelLimit });
}

/** Spools of processes that ended without cleaning up (killed, or VS Code closed mid-run) are removed. */
async function removeAbandonedSpools(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = name.startsWith(SPOOL_PREFIX) ? Number(name.slice(SPOOL_PREFIX.length).split('.')[0]) : 0;
    if (!pid || pid === process.pid || isProcessAlive(pid)) continue;
    await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
}
