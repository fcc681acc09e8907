import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { summarizeDataset } from '../../../src/core/dataset/summarizeDataset';
import { generateProblemDataset, HOSTILE_CLASS, UNICODE_CLASS } from '../../fixtures/generateProblemDataset';
import { generateDataset } from '../../fixtures/generateDataset';

const made: string[] = [];
async function temp() {
  const d = await mkdtemp(join(tmpdir(), 'pixtune-scan-'));
  made.push(d);
  return d;
}
test.after(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

test('counts every class of a clean dataset, sorted, with no problems', async () => {
  const { root } = await generateDataset(await temp(), { classes: ['river', 'beach', 'bridge'], perClass: 4, size: 32 });
  const ds = await scanDataset(root);
  assert.deepEqual(ds.classes.map((c) => [c.name, c.images.length]), [['beach', 4], ['bridge', 4], ['river', 4]]);
  assert.deepEqual(ds.problems, []);
  assert.deepEqual(ds.skipped, []);
  assert.equal(ds.classes[0]!.images[0]!.path, 'beach/beach_001.jpg');
});

test('handles every bad case of the problem dataset', async () => {
  const fx = await generateProblemDataset(await temp());
  const ds = await scanDataset(fx.root);
  const counts = Object.fromEntries(ds.classes.map((c) => [c.name, c.images.length]));
  assert.deepEqual(counts, fx.counts);
  // hidden files and folders are ignored entirely
  assert.ok(!ds.classes.some((c) => c.name.startsWith('.')));
  const allPaths = [...ds.classes.flatMap((c) => c.images.map((i) => i.path)), ...ds.skipped.map((s) => s.path)];
  assert.ok(!allPaths.some((p) => p.includes('.DS_Store') || p.includes('Thumbs.db') || p.includes('.cache')));
  // nested images are included; the loop is listed once as skipped, not followed
  assert.ok(ds.classes.find((c) => c.name === 'good')!.images.some((i) => i.path === 'good/nested/deeper/inner.jpg'));
  assert.deepEqual(ds.skipped.find((s) => s.path === 'good/loop')?.reason, 'link to a folder that is already part of the scan (loop)');
  // non-image files are skipped with a reason and summarised per class
  assert.equal(ds.skipped.find((s) => s.path === 'broken/notes.txt')?.reason, 'not a supported image type (.txt)');
  assert.equal(ds.skipped.find((s) => s.path === 'broken/labels.csv')?.reason, 'not a supported image type (.csv)');
  assert.equal(ds.skipped.find((s) => s.path === 'README.md')?.reason, 'not inside a class folder');
  const kinds = ds.problems.map((p) => `${p.kind}:${p.class ?? ''}`);
  assert.ok(kinds.includes('empty-class:empty class'));
  assert.ok(kinds.includes('tiny-class:single'));
  assert.ok(kinds.includes('non-image:broken'));
  assert.ok(kinds.includes('imbalance:'), 'good has 7 images, single 1: imbalance expected');
  // hostile and unicode names round-trip exactly
  assert.ok(ds.classes.some((c) => c.name === HOSTILE_CLASS));
  assert.ok(ds.classes.find((c) => c.name === UNICODE_CLASS)!.images.every((i) => i.path.startsWith(`${UNICODE_CLASS}/`)));
});

test('nested folders can be turned off', async () => {
  const fx = await generateProblemDataset(await temp());
  const ds = await scanDataset(fx.root, { includeNested: false });
  assert.equal(ds.classes.find((c) => c.name === 'good')!.images.length, 6);
  assert.equal(ds.skipped.find((s) => s.path === 'good/nested')?.reason, 'nested folder (nested folders are turned off)');
});

test('is deterministic and matches the CLI JSON shape', async () => {
  const fx = await generateProblemDataset(await temp());
  const a = summarizeDataset(await scanDataset(fx.root), { includeImages: true });
  const b = summarizeDataset(await scanDataset(fx.root), { includeImages: true });
  assert.deepEqual(a, b);
  assert.equal(a.total, Object.values(fx.counts).reduce((x, y) => x + y, 0));
  assert.deepEqual(Object.keys(a).sort(), ['classes', 'problems', 'root', 'skipped', 'total']);
});

test('a missing folder, a file and an empty folder give clear answers', async () => {
  const dir = await temp();
  await assert.rejects(scanDataset(join(dir, 'nope')), /does not exist/);
  const { files } = await generateDataset(join(dir, 'ds'), { classes: ['a'], perClass: 1, size: 16 });
  await assert.rejects(scanDataset(files[0]!), /is a file, not a folder/);
  const empty = await scanDataset(join(dir, 'ds', 'a'));
  assert.deepEqual(empty.problems.map((p) => p.kind), ['no-classes', 'root-files']);
});

test('stops when cancelled', async () => {
  const { root } = await generateDataset(await temp(), { classes: ['a', 'b'], perClass: 2, size: 16 });
  const c = new AbortController();
  c.abort();
  await assert.rejects(scanDataset(root, { signal: c.signal }), { name: 'AbortError' });
});
