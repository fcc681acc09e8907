import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { checkDatasetHealth } from '../../../src/core/dataset/checkDatasetHealth';
import { escapeMarkdown, renderHealthReportMarkdown } from '../../../src/core/dataset/healthReportMarkdown';
import { healthReportSchema, type Dataset } from '../../../src/core/dataset/types';
import { probeImage } from '../../../src/core/images/probeImage';
import { generateProblemDataset, HOSTILE_CLASS, UNICODE_CLASS } from '../../fixtures/generateProblemDataset';
import { encodeClassTile } from '../../fixtures/generateDataset';

let root: string;
let ds: Dataset;
test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pixtune-health-'));
  await generateProblemDataset(root);
  ds = await scanDataset(root);
});
test.after(() => rm(root, { recursive: true, force: true }));

const total = () => ds.classes.reduce((n, c) => n + c.images.length, 0);

test('reports each broken image with the right kind and leaves good ones alone', async () => {
  const report = await checkDatasetHealth(ds);
  const image = (path: string) => report.images.find((i) => i.path === path);
  const kindOf = (path: string) => image(path)?.problem?.kind;
  assert.equal(kindOf('broken/corrupt.jpg'), 'corrupt');
  assert.equal(kindOf('broken/truncated.jpg'), 'truncated');
  assert.equal(kindOf('broken/empty.jpg'), 'zero-byte');
  assert.equal(kindOf('broken/animated.png'), 'unsupported');
  assert.equal(kindOf('broken/bomb.png'), 'oversized');
  assert.match(image('broken/bomb.png')!.problem!.message, /30000×30000/);
  assert.equal(kindOf('good/odd size.jpg'), 'unusual-size');
  assert.match(image('good/odd size.jpg')!.problem!.message, /48×32 px; most images are 64×64 px/);
  assert.equal(kindOf('broken/ok.jpg'), 'unusual-size'); // 128×128 in a 64×64 dataset
  assert.equal(kindOf('good/good_001.jpg'), undefined);
  assert.equal(kindOf('good/nested/deeper/inner.jpg'), undefined);
  assert.equal(kindOf(`${HOSTILE_CLASS}/${HOSTILE_CLASS}_001.jpg`), undefined);
  assert.equal(kindOf(`${UNICODE_CLASS}/vue « aérienne » "n°2" ’n’ 森.jpeg`), undefined);
  // every supported format decodes; 16-bit depth, alpha and orientation are recorded
  for (const f of ['formats/eight.tif', 'formats/sixteen.tiff', 'formats/web.webp', 'formats/alpha.png']) assert.equal(kindOf(f), undefined, f);
  assert.deepEqual([image('formats/sixteen.tiff')?.depth, image('formats/sixteen.tiff')?.bitDepth], ['ushort', 16]);
  assert.equal(image('formats/eight.tif')?.bitDepth, 8);
  assert.equal(image('formats/alpha.png')?.hasAlpha, true);
  assert.equal(image('formats/web.webp')?.format, 'webp');
  // stored 64×32 with EXIF orientation 6: displayed (and reported) as 32×64
  const rotated = image('formats/rotated.JPG')!;
  assert.deepEqual([rotated.orientation, rotated.width, rotated.height], [6, 32, 64]);
  assert.deepEqual(report.usualSize && [report.usualSize.width, report.usualSize.height], [64, 64]);
  assert.equal(report.checked, total());
  assert.equal(report.ok + report.problems.length, report.checked);
  // every problem names its image and class, and the report is valid against its schema
  assert.ok(report.problems.every((p) => p.path && p.class !== undefined));
  assert.doesNotThrow(() => healthReportSchema.parse(JSON.parse(JSON.stringify(report))));
});

test('the result does not depend on concurrency', async () => {
  const kinds = (r: Awaited<ReturnType<typeof checkDatasetHealth>>) => r.images.map((i) => `${i.path}:${i.problem?.kind ?? 'ok'}`);
  const one = await checkDatasetHealth(ds, { concurrency: 1 });
  const four = await checkDatasetHealth(ds, { concurrency: 4 });
  assert.deepEqual(kinds(four), kinds(one));
});

test('detects truncated PNG and WebP files and a JPEG damaged mid-stream', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-probe-'));
  try {
    const png = await encodeClassTile('beach', 1, { size: 128, format: 'png' });
    const webp = await encodeClassTile('beach', 1, { size: 128, format: 'webp' });
    const jpeg = await encodeClassTile('beach', 1, { size: 128 });
    const damaged = Buffer.from(jpeg);
    for (let i = damaged.length >> 1; i < (damaged.length >> 1) + 200; i++) damaged[i] = (i * 37) & 0xff;
    const withTrailer = Buffer.concat([jpeg, Buffer.from('trailing bytes after the end marker')]);
    await writeFile(join(dir, 'cut.png'), png.subarray(0, Math.floor(png.length * 0.9)));
    await writeFile(join(dir, 'cut.webp'), webp.subarray(0, Math.floor(webp.length * 0.9)));
    await writeFile(join(dir, 'damaged.jpg'), damaged);
    await writeFile(join(dir, 'trailer.jpg'), withTrailer);
    await writeFile(join(dir, 'text.jpg'), 'just text');
    assert.equal((await probeImage(join(dir, 'cut.png'))).problem?.kind, 'truncated');
    // a cut WebP fails in its header parser; either answer says "do not train on this"
    assert.ok(['truncated', 'corrupt'].includes((await probeImage(join(dir, 'cut.webp'))).problem?.kind ?? 'ok'));
    assert.equal((await probeImage(join(dir, 'damaged.jpg'))).problem?.kind, 'corrupt');
    assert.equal((await probeImage(join(dir, 'trailer.jpg'))).problem, undefined);
    assert.equal((await probeImage(join(dir, 'text.jpg'))).problem?.kind, 'corrupt');
    assert.equal((await probeImage(join(dir, 'missing.jpg'))).problem?.kind, 'unreadable');
    // the pixel limit is configurable and refuses before decoding; headerOnly skips the decode
    const small = await probeImage(join(dir, 'trailer.jpg'), { maxPixels: 100 });
    assert.deepEqual([small.problem?.kind, small.width, small.height], ['oversized', 128, 128]);
    const header = await probeImage(join(dir, 'damaged.jpg'), { headerOnly: true });
    assert.deepEqual([header.problem, header.format], [undefined, 'jpeg']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('reports progress up to the total and can be cancelled', async () => {
  const seen: { done: number; total: number }[] = [];
  await checkDatasetHealth(ds, { onProgress: (p) => seen.push(p) });
  assert.deepEqual(seen.at(-1) && [seen.at(-1)!.done, seen.at(-1)!.total], [total(), total()]);
  assert.ok(seen.every((p, i) => i === 0 || p.done >= seen[i - 1]!.done));
  const c = new AbortController();
  let calls = 0;
  const p = checkDatasetHealth(ds, { signal: c.signal, concurrency: 1, onProgress: () => (calls++, c.abort()) });
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(calls, 1, 'no image is checked after cancellation');
});

test('the Markdown report shows hostile names as literal text', async () => {
  const md = renderHealthReportMarkdown(ds, await checkDatasetHealth(ds));
  assert.ok(!md.includes('<img'), 'raw HTML from a folder name reached the report');
  assert.match(md, /## Truncated images \(1\)/);
  assert.match(md, /## Oversized images \(refused before decoding\) \(1\)/);
  assert.match(md, /\| broken \| 6 \| 1 \| [\d.]+% \| 5 \|/);
  assert.equal(escapeMarkdown(HOSTILE_CLASS), '&lt;img src=x onerror=alert\\(1\\)&gt;');
  assert.equal(escapeMarkdown('a|b\nc *d* [e](f)'), 'a\\|b c \\*d\\* \\[e\\]\\(f\\)');
});
