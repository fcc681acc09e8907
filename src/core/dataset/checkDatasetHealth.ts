// The health check: fully decodes every image of a scanned dataset (bounded concurrency, cancellable,
// with progress) and reports what would break training: zero-byte, corrupt, truncated, unsupported
// or oversized files, and images whose size differs from the dataset's usual one.
import { join } from 'node:path';
import { probeImage } from '../images/probeImage';
import { DEFAULT_PIXEL_LIMIT } from '../images/loadSharp';
import type { CheckedImage, Dataset, HealthReport } from './types';

export type { CheckedImage, HealthReport } from './types';

export interface HealthProgress {
  done: number;
  total: number;
  /** Images per second so far. */
  rate: number;
  etaSeconds?: number;
}

export interface HealthOptions {
  signal?: AbortSignal;
  /** Images decoded at once (default 2: the extension host shares libuv's small pool with sharp). */
  concurrency?: number;
  /** Called at most every 100 ms, and once at the end with done === total. */
  onProgress?: (p: HealthProgress) => void;
  /** Header pixel count above which an image is refused without decoding (decompression bombs). */
  maxPixels?: number;
}

async function checkOne(root: string, path: string, cls: string, maxPixels: number): Promise<CheckedImage> {
  const probe = await probeImage(join(root, ...path.split('/')), { maxPixels, label: path });
  const { problem, ...facts } = probe;
  const img: CheckedImage = { path, class: cls, ...facts };
  // Drop keys sharp left undefined so that reports compare and serialise cleanly.
  for (const k of Object.keys(img) as (keyof CheckedImage)[]) if (img[k] === undefined) delete img[k];
  if (problem) img.problem = { kind: problem.kind, path, class: cls, message: problem.message };
  return img;
}

export async function checkDatasetHealth(ds: Dataset, opts: HealthOptions = {}): Promise<HealthReport> {
  const started = performance.now();
  const maxPixels = opts.maxPixels ?? DEFAULT_PIXEL_LIMIT;
  const work = ds.classes.flatMap((c) => c.images.map((i) => ({ path: i.path, cls: c.name })));
  const results: CheckedImage[] = new Array(work.length);
  let next = 0;
  let done = 0;
  let lastReport = -Infinity;
  const report = (force = false) => {
    const now = performance.now();
    if (!opts.onProgress || (!force && now - lastReport < 100)) return;
    lastReport = now;
    const rate = done / Math.max(0.001, (now - started) / 1000);
    opts.onProgress({ done, total: work.length, rate, etaSeconds: done > 0 ? (work.length - done) / rate : undefined });
  };
  const worker = async () => {
    // Stops taking work on abort; the image in flight finishes, so nothing runs after we return.
    while (next < work.length && !opts.signal?.aborted) {
      const i = next++;
      results[i] = await checkOne(ds.root, work[i]!.path, work[i]!.cls, maxPixels);
      done++;
      report();
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 2, work.length)) }, worker);
  const settled = await Promise.allSettled(workers);
  opts.signal?.throwIfAborted();
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
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
  return {
    checked: results.length,
    ok: results.length - problems.length,
    problems,
    images: results,
    ...(usualSize ? { usualSize } : {}),
    durationMs: Math.round(performance.now() - started),
  };
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
  if (!best || best[1] * 2 < readable || readable < 2) return undefined;
  const [w, h] = best[0].split('x').map(Number);
  return { width: w!, height: h!, share: best[1] / readable };
}
