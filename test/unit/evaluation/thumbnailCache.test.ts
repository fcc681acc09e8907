import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ThumbnailCache } from '../../../src/core/images/thumbnailCache';
import { texturedJpeg } from '../training/trainingFixtures';

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-thumbs-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const sub of await readdir(dir).catch(() => [] as string[])) n += (await readdir(join(dir, sub)).catch(() => [])).length;
  return n;
}

test('a thumbnail is made once, fits the size, and is found again by a new cache on the same folder', async () => {
  await withTemp(async (dir) => {
    const img = join(dir, 'a.jpg');
    await writeFile(img, await texturedJpeg(600, 300, 1));
    const cacheDir = join(dir, 'cache');
    const cache = new ThumbnailCache({ cacheDir, size: 128 });
    const first = await cache.get(img);
    assert.ok(first.ok);
    const meta = await sharp(first.file).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 128, 64]);
    const again = await cache.get(img);
    assert.deepEqual(again, first);
    assert.equal(cache.built, 1);
    const fresh = new ThumbnailCache({ cacheDir, size: 128 });
    assert.deepEqual(await fresh.get(img), first);
    assert.equal(fresh.built, 0, 'a second cache on the same folder decodes nothing');
    assert.ok(!first.file.startsWith(join(dir, 'a')), 'thumbnails live in the cache folder, not beside the image');
  });
});

test('a changed image (new mtime) or another size gets a new thumbnail', async () => {
  await withTemp(async (dir) => {
    const img = join(dir, 'a.jpg');
    await writeFile(img, await texturedJpeg(200, 200, 2));
    const cacheDir = join(dir, 'cache');
    const cache = new ThumbnailCache({ cacheDir, size: 64 });
    const a = await cache.get(img);
    await writeFile(img, await texturedJpeg(200, 100, 3));
    await utimes(img, new Date(), new Date(Date.now() + 5000));
    const b = await cache.get(img);
    assert.ok(a.ok && b.ok);
    assert.notEqual(a.file, b.file);
    assert.equal((await sharp(b.file).metadata()).height, 32);
    const big = await new ThumbnailCache({ cacheDir, size: 100 }).get(img);
    assert.ok(big.ok && big.file !== b.file);
    assert.equal(await countFiles(cacheDir), 3);
  });
});

test('corrupt, empty and missing images give a placeholder reason, not a crash, and are not retried', async () => {
  await withTemp(async (dir) => {
    const good = join(dir, 'good.jpg');
    const corrupt = join(dir, 'corrupt.jpg');
    const empty = join(dir, 'empty.jpg');
    await writeFile(good, await texturedJpeg(100, 100, 4));
    await writeFile(corrupt, Buffer.from('not an image at all, just text'));
    await writeFile(empty, Buffer.alloc(0));
    const cache = new ThumbnailCache({ cacheDir: join(dir, 'cache') });
    const [g, c, e, m] = await cache.getMany([good, corrupt, empty, join(dir, 'missing.jpg')]);
    assert.ok(g!.ok);
    assert.ok(!c!.ok && /cannot be decoded/.test(c!.reason), JSON.stringify(c));
    assert.ok(!e!.ok && /empty/.test(e!.reason));
    assert.ok(!m!.ok && /missing/.test(m!.reason));
    assert.deepEqual(await cache.get(corrupt), c);
    assert.equal(cache.built, 1);
    assert.equal(await countFiles(join(dir, 'cache')), 1, 'nothing written for a failed image');
  });
});

test('decoding is bounded: never more than `concurrency` images at once; an aborted request rejects', async () => {
  await withTemp(async (dir) => {
    const files: string[] = [];
    for (let i = 0; i < 12; i++) {
      const f = join(dir, `${i}.jpg`);
      await writeFile(f, await texturedJpeg(300, 300, i + 10));
      files.push(f);
    }
    const cache = new ThumbnailCache({ cacheDir: join(dir, 'cache'), concurrency: 2 });
    let peak = 0;
    const internals = cache as unknown as { active: number };
    const timer = setInterval(() => (peak = Math.max(peak, internals.active)), 0);
    const results = await cache.getMany(files);
    clearInterval(timer);
    assert.ok(results.every((r) => r.ok));
    assert.ok(peak >= 1 && peak <= 2, `peak ${peak}`);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(cache.get(files[0]!, controller.signal), (e: Error) => e.name === 'AbortError');
  });
});

test('prune keeps the cache under a size, removing the oldest thumbnails first', async () => {
  await withTemp(async (dir) => {
    const cache = new ThumbnailCache({ cacheDir: join(dir, 'cache'), size: 64 });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const img = join(dir, `${i}.jpg`);
      await writeFile(img, await texturedJpeg(128, 128, 20 + i));
      const t = await cache.get(img);
      assert.ok(t.ok);
      // Made one after another, a second apart (mtime is what prune orders by).
      await utimes(t.file, new Date(), new Date(Date.now() - (10 - i) * 1000));
      made.push(t.file);
    }
    const sizes = await Promise.all(made.map(async (f) => stat(f).then((s) => s.size)));
    const keepTwo = sizes[3]! + sizes[4]!;
    const result = await cache.prune(keepTwo);
    assert.equal(result.removed, 3);
    assert.equal(result.bytes, sizes[0]! + sizes[1]! + sizes[2]!);
    assert.deepEqual(made.map((f) => existsSync(f)), [false, false, false, true, true]);
    assert.deepEqual(await cache.prune(keepTwo), { removed: 0, bytes: 0 }, 'nothing more to do');
  });
});
