// The fixture generator is part of what the other tests stand on: it must be deterministic, write what
// it says, and produce classes that simple image statistics separate while images within a class differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { generateDataset } from '../../fixtures/generateDataset';

let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-gen-'));
});
test.after(() => rm(dir, { recursive: true, force: true }));

test('is deterministic for a seed and differs across seeds', async () => {
  const opts = { classes: ['beach', 'river'], perClass: 2, size: 48 };
  const a = await generateDataset(join(dir, 'a'), { ...opts, seed: 5 });
  const b = await generateDataset(join(dir, 'b'), { ...opts, seed: 5 });
  const c = await generateDataset(join(dir, 'c'), { ...opts, seed: 6 });
  assert.equal(a.files.length, 4);
  for (let i = 0; i < a.files.length; i++) {
    assert.deepEqual(await readFile(a.files[i]!), await readFile(b.files[i]!));
  }
  assert.notDeepEqual(await readFile(a.files[0]!), await readFile(c.files[0]!));
});

test('writes the requested formats, sizes and per-class counts', async () => {
  for (const format of ['jpeg', 'png', 'webp', 'tiff'] as const) {
    const ds = await generateDataset(join(dir, format), { classes: ['x', 'y'], perClass: { x: 1, y: 2 }, size: 40, format });
    assert.equal(ds.files.length, 3);
    const meta = await sharp(ds.files[0]!).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], [format, 40, 40]);
  }
});

test('classes are separable by mean colour, images within a class vary', async () => {
  const ds = await generateDataset(join(dir, 'sep'), { perClass: 8, size: 64, seed: 2 });
  const features = new Map<string, number[][]>();
  for (const f of ds.files) {
    const { channels } = await sharp(f).stats();
    const v = channels.slice(0, 3).flatMap((ch) => [ch.mean, ch.stdev]);
    const cls = basename(dirname(f));
    features.set(cls, [...(features.get(cls) ?? []), v]);
  }
  // nearest centroid, trained on the first half of each class, tested on the second half
  const centroids = [...features].map(([cls, vs]) => {
    const train = vs.slice(0, 4);
    return { cls, c: train[0]!.map((_, k) => train.reduce((s, v) => s + v[k]!, 0) / train.length) };
  });
  let right = 0;
  let n = 0;
  for (const [cls, vs] of features) {
    for (const v of vs.slice(4)) {
      const best = centroids.reduce((a, b) => (dist(v, a.c) <= dist(v, b.c) ? a : b));
      if (best.cls === cls) right++;
      n++;
    }
    // no two images of a class are identical
    assert.equal(new Set(vs.map((v) => v.map((x) => x.toFixed(3)).join())).size, vs.length);
  }
  assert.ok(right / n >= 0.8, `nearest centroid got ${right}/${n}`);
});

function dist(a: number[], b: number[]): number {
  return a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);
}
