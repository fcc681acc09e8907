// The dataset's usual tile size, for the words of the image-size step ("256×256 → 128×128"). The health check
// knows it exactly; before one has run, the headers of a few images spread over the classes tell it cheaply
// (a header read, no decode).
import { join } from 'node:path';
import { readImageHeader } from '../images/encodeTile';
import type { Dataset } from './types';

export interface TileSize {
  width: number;
  height: number;
}

/** Up to `sample` images, taken round-robin from the classes so one odd class cannot decide alone. */
function spreadSample(ds: Dataset, sample: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < sample; i++) {
    const before = out.length;
    for (const c of ds.classes) {
      const img = c.images[i];
      if (img && out.length < sample) out.push(img.path);
    }
    if (out.length === before) break; // every class exhausted
  }
  return out;
}

/** The most common size among a sample of headers, or undefined when none could be read or no size is shared by half. */
export async function probeUsualTileSize(ds: Dataset, opts: { sample?: number; signal?: AbortSignal } = {}): Promise<TileSize | undefined> {
  const counts = new Map<string, number>();
  let read = 0;
  for (const path of spreadSample(ds, opts.sample ?? 8)) {
    opts.signal?.throwIfAborted();
    const header = await readImageHeader(join(ds.root, ...path.split('/'))).catch(() => undefined);
    if (!header) continue; // a broken image says nothing about the usual size
    read++;
    const key = `${header.width}x${header.height}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const e of counts) if (!best || e[1] > best[1]) best = e;
  if (!best || best[1] * 2 < read) return undefined;
  const [width, height] = best[0].split('x').map(Number);
  return { width: width!, height: height! };
}
