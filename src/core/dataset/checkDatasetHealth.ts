// The health check: fully decodes every image of a scanned dataset (bounded concurrency, cancellable,
// with progress) and reports what would break training: zero-byte, corrupt, truncated, unsupported
// or oversized files, and images whose size differs from the dataset's usual one.
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSharp, DEFAULT_PIXEL_LIMIT } from '../images/loadSharp';
import { errorMessage } from '../errors';
import type { Dataset, Problem } from './types';

/** Formats Mistral accepts for fine-tuning images, after our conversion (TIFF is converted to JPEG/PNG). */
const TRAINABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff']);

export interface CheckedImage {
  path: string;
  class: string;
  bytes?: number;
  width?: number;
  height?: number;
  format?: string;
  /** Bits per channel as sharp reports it: 'uchar' (8) or 'ushort' (16). */
  depth?: string;
  /** EXIF orientation (1–8) when present. */
  orientation?: number;
  problem?: Problem;
}

export interface HealthReport {
  checked: number;
  ok: number;
  problems: Problem[];
  images: CheckedImage[];
  /** The most common width×height, against which "unusual size" is judged. */
  usualSize?: { width: number; height: number; share: number };
  durationMs: number;
}

export interface HealthOptions {
  signal?: AbortSignal;
  /** Images decoded at once (default 2: the extension host shares libuv's small pool). */
  concurrency?: number;
  onProgress?: (p: { done: number; total: number; rate: number; etaSeconds?: number }) => void;
  /** Header pixel count above which an image is refused without decoding (decompression bombs). */
  maxPixels?: number;
}

const TRUNCATION = /premature end|truncat|unexpected end|end of (file|stream|input)|not enough data|short read/i;

function shortSharpMessage(err: unknown): string {
  return errorMessage(err).split('\n')[0]!.replace(/^Input (file|buffer) /, '').slice(0, 200);
}

async function checkOne(root: string, path: string, cls: string, maxPixels: number): Promise<CheckedImage> {
  const sharp = await loadSharp();
  const file = join(root, ...path.split('/'));
  const img: CheckedImage = { path, class: cls };
  const problem = (kind: Problem['kind'], message: string): CheckedImage => ({ ...img, problem: { kind, path, class: cls, message } });
  try {
    img.bytes = (await stat(file)).size;
  } catch (err) {
    return problem('unreadable', `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}).`);
  }
  if (img.bytes === 0) return problem('zero-byte', `${path} is empty (0 bytes).`);
  let meta;
  try {
    // Header only: a bomb is refused before a single pixel is decoded.
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    return problem('corrupt', `${path} is not a readable image (${shortSharpMessage(err)}).`);
  }
  const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
  Object.assign(img, { width: oriented.width, height: oriented.height, format: meta.format, depth: meta.depth, orientation: meta.orientation });
  if (!TRAINABLE_FORMATS.has(meta.format)) {
    return problem('unsupported', `${path} is a ${meta.format.toUpperCase()} image; only JPEG, PNG, TIFF and WebP are used for training.`);
  }
  if (meta.width * meta.height > maxPixels) {
    return problem('oversized', `${path} is ${meta.width}×${meta.height} px, over the limit of ${maxPixels.toLocaleString('en-US')} pixels: it is refused without decoding.`);
  }
  try {
    // failOn 'warning' makes libjpeg/libpng complaints about missing data fatal; decoding to a small
    // raw buffer still reads every byte of the compressed stream.
    await sharp(file, { failOn: 'warning', limitInputPixels: maxPixels, sequentialRead: true }).resize(32, 32, { fit: 'fill' }).raw().toBuffer();
  } catch (err) {
    const msg = shortSharpMessage(err);
    // libvips' message is not always specific (under concurrency it can read just "Warning treated as
    // error"), so the file's own end marker decides too.
    if (TRUNCATION.test(msg) || (await missingEndMarker(file, meta.format, img.bytes))) {
      return problem('truncated', `${path} is truncated: the data ends before the image does.`);
    }
    return problem('corrupt', `${path} cannot be decoded (${msg}).`);
  }
  return img;
}

/** True when a JPEG lacks its EOI marker, a PNG its IEND chunk, or a WebP is shorter than its RIFF size. */
async function missingEndMarker(file: string, format: string, size: number): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const tail = Buffer.alloc(Math.min(size, 64));
    await fh.read(tail, 0, tail.length, size - tail.length);
    if (format === 'jpeg') return !tail.includes(Buffer.from([0xff, 0xd9]));
    if (format === 'png') return !tail.includes(Buffer.from('IEND', 'ascii'));
    if (format === 'webp') {
      const head = Buffer.alloc(8);
      await fh.read(head, 0, 8, 0);
      return head.readUInt32LE(4) + 8 > size;
    }
    return false;
  } finally {
    await fh.close();
  }
}

export async function checkDatasetHealth(ds: Dataset, opts: HealthOptions = {}): Promise<HealthReport> {
  const started = performance.now();
  const maxPixels = opts.maxPixels ?? DEFAULT_PIXEL_LIMIT;
  const work = ds.classes.flatMap((c) => c.images.map((i) => ({ path: i.path, cls: c.name })));
  const results: CheckedImage[] = new Array(work.length);
  let next = 0;
  let done = 0;
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!opts.onProgress || (!force && now - lastReport < 100)) return;
    lastReport = now;
    const rate = done / Math.max(0.001, (now - started) / 1000);
    opts.onProgress({ done, total: work.length, rate, etaSeconds: done > 0 ? (work.length - done) / rate : undefined });
  };
  const worker = async () => {
    while (next < work.length) {
      opts.signal?.throwIfAborted();
      const i = next++;
      results[i] = await checkOne(ds.root, work[i]!.path, work[i]!.cls, maxPixels);
      done++;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 2, work.length)) }, worker));
  opts.signal?.throwIfAborted();
  report(true);

  const usualSize = findUsualSize(results);
  if (usualSize) {
    for (const r of results) {
      if (r.problem || r.width === undefined) continue;
      if (r.width !== usualSize.width || r.height !== usualSize.height) {
        r.problem = {
          kind: 'unusual-size',
          path: r.path,
          class: r.class,
          message: `${r.path} is ${r.width}×${r.height} px; most images are ${usualSize.width}×${usualSize.height} px.`,
        };
      }
    }
  }
  const problems = results.filter((r) => r.problem).map((r) => r.problem!);
  return { checked: results.length, ok: results.length - problems.length, problems, images: results, usualSize, durationMs: Math.round(performance.now() - started) };
}

/** The most common size, when it covers at least half the readable images (otherwise sizes just vary). */
function findUsualSize(images: CheckedImage[]): HealthReport['usualSize'] {
  const counts = new Map<string, number>();
  let readable = 0;
  for (const r of images) {
    if (r.problem || r.width === undefined) continue;
    readable++;
    const k = `${r.width}x${r.height}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const e of counts) if (!best || e[1] > best[1]) best = e;
  if (!best || best[1] * 2 < readable) return undefined;
  const [w, h] = best[0].split('x').map(Number);
  return { width: w!, height: h!, share: best[1] / readable };
}
