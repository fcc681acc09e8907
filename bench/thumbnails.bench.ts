// Thumbnail cache build rate: 600×600 JPEG tiles (AID's size) → 192 px thumbnails, as the review grid asks
// for them, at the cache's default concurrency (2: the extension host shares its thread pool) and at 1 and 4;
// then the rate of a second pass, where every thumbnail is found in the cache and nothing is decoded.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThumbnailCache } from '../src/core/images/thumbnailCache';
import { AID_LIKE_CLASSES, generateDataset } from '../test/fixtures/generateDataset';

const OUT = join('bench', 'output', 'thumbnails-600px');
const PER_CLASS = 40;

async function dataset(): Promise<string[]> {
  if (!existsSync(join(OUT, '.complete'))) {
    await rm(OUT, { recursive: true, force: true });
    await generateDataset(OUT, { classes: AID_LIKE_CLASSES, perClass: PER_CLASS, size: 600 });
    await writeFile(join(OUT, '.complete'), '');
  }
  const files: string[] = [];
  for (const c of (await readdir(OUT, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    for (const f of await readdir(join(OUT, c.name))) files.push(join(OUT, c.name, f));
  }
  return files;
}

async function main(): Promise<void> {
  const files = await dataset();
  console.log(`${files.length} tiles of 600×600 JPEG → 192 px thumbnails`);
  for (const concurrency of [1, 2, 4]) {
    const cacheDir = await mkdtemp(join(tmpdir(), 'pixtune-thumb-bench-'));
    try {
      const cache = new ThumbnailCache({ cacheDir, concurrency });
      const t0 = performance.now();
      const built = await cache.getMany(files);
      const buildMs = performance.now() - t0;
      if (!built.every((t) => t.ok)) throw new Error('some thumbnails failed');
      const t1 = performance.now();
      await new ThumbnailCache({ cacheDir, concurrency }).getMany(files);
      const hitMs = performance.now() - t1;
      const rate = (files.length / buildMs) * 1000;
      console.log(`concurrency ${concurrency}${concurrency === 2 ? ' (default)' : ''}: build ${rate.toFixed(0)} thumbnails/s ` +
        `(${(buildMs / files.length).toFixed(1)} ms each); cached ${((files.length / hitMs) * 1000).toFixed(0)} lookups/s`);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
