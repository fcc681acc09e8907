import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareNames, scanDataset, SKIP_REASONS } from '../../../src/core/dataset/scanDataset';
import { summarizeDataset } from '../../../src/core/dataset/summarizeDataset';
import { scanSummarySchema } from '../../../src/core/dataset/types';
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

/** Files with image names but no pixels: the scanner never opens them. */
async function touch(root: string, ...paths: string[]) {
  for (const p of paths) {
    await mkdir(join(root, p, '..'), { recursive: true });
    await writeFile(join(root, p), 'x');
  }
}

const reasonOf = (ds: { skipped: { path: string; reason: string }[] }, path: string) => ds.skipped.find((s) => s.path === path)?.reason;

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
  // hidden and system files and folders are ignored entirely: neither images nor skipped
  assert.ok(!ds.classes.some((c) => c.name.startsWith('.') || c.name === '__MACOSX'));
  const allPaths = [...ds.classes.flatMap((c) => c.images.map((i) => i.path)), ...ds.skipped.map((s) => s.path)];
  for (const hidden of ['.DS_Store', 'Thumbs.db', 'desktop.ini', '.cache', '.hidden-class', '__MACOSX']) {
    assert.ok(!allPaths.some((p) => p.split('/').includes(hidden)), `${hidden} should be ignored`);
  }
  // nested images are included two levels deep
  assert.ok(ds.classes.find((c) => c.name === 'good')!.images.some((i) => i.path === 'good/nested/deeper/inner.jpg'));
  // links: the loop to the root and the link to a sibling class are skipped (not followed), the dangling one is unreadable
  assert.equal(reasonOf(ds, 'good/loop'), SKIP_REASONS.loop);
  assert.equal(reasonOf(ds, 'good/alias-of-single'), SKIP_REASONS.insideDataset);
  assert.equal(reasonOf(ds, 'good/dangling.jpg'), 'a broken symbolic link');
  assert.ok(ds.problems.some((p) => p.kind === 'unreadable' && p.path === 'good/dangling.jpg'));
  // non-image files are skipped with a reason and summarised once per class
  assert.equal(reasonOf(ds, 'broken/notes.txt'), 'not a supported image type (.txt)');
  assert.equal(reasonOf(ds, 'broken/labels.csv'), 'not a supported image type (.csv)');
  assert.equal(reasonOf(ds, 'broken/real.gif'), 'not a supported image type (.gif)');
  assert.equal(reasonOf(ds, 'README.md'), SKIP_REASONS.outsideClass);
  const nonImage = ds.problems.filter((p) => p.kind === 'non-image');
  assert.deepEqual(nonImage.map((p) => p.class), ['broken']);
  assert.match(nonImage[0]!.message, /3 files .*\(\.csv, \.gif, \.txt\)/);
  const kinds = ds.problems.map((p) => `${p.kind}:${p.class ?? ''}`);
  assert.ok(kinds.includes('empty-class:empty class'));
  assert.ok(kinds.includes('tiny-class:single'));
  assert.ok(kinds.includes('imbalance:'), 'good has 7 images, single 1: imbalance expected');
  assert.ok(!kinds.includes('empty-class:single') && !kinds.includes('tiny-class:good'));
  // the extension is matched case-insensitively
  assert.ok(ds.classes.find((c) => c.name === 'formats')!.images.some((i) => i.path === 'formats/rotated.JPG'));
  // hostile and unicode names round-trip exactly
  assert.ok(ds.classes.some((c) => c.name === HOSTILE_CLASS));
  const uni = ds.classes.find((c) => c.name === UNICODE_CLASS)!;
  assert.ok(uni.images.every((i) => i.path.startsWith(`${UNICODE_CLASS}/`)));
  assert.ok(uni.images.some((i) => i.path === `${UNICODE_CLASS}/vue « aérienne » "n°2" ’n’ 森.jpeg`));
  // and survive the JSON contract unchanged
  const json = JSON.parse(JSON.stringify(summarizeDataset(ds, { includeImages: true })));
  assert.deepEqual(scanSummarySchema.parse(json).classes.map((c) => c.name), ds.classes.map((c) => c.name));
});

test('nested folders can be turned off and are then listed as skipped', async () => {
  const fx = await generateProblemDataset(await temp());
  const ds = await scanDataset(fx.root, { includeNested: false });
  assert.equal(ds.classes.find((c) => c.name === 'good')!.images.length, 6);
  assert.equal(reasonOf(ds, 'good/nested'), SKIP_REASONS.nestedOff);
  assert.ok(!ds.classes.some((c) => c.images.some((i) => i.path.split('/').length > 2)));
});

test('is deterministic and matches the CLI JSON shape', async () => {
  const fx = await generateProblemDataset(await temp());
  const a = summarizeDataset(await scanDataset(fx.root), { includeImages: true });
  const b = summarizeDataset(await scanDataset(fx.root), { includeImages: true });
  assert.deepEqual(a, b);
  assert.equal(a.total, Object.values(fx.counts).reduce((x, y) => x + y, 0));
  assert.deepEqual(Object.keys(a).sort(), ['classes', 'problems', 'root', 'skipped', 'total']);
  assert.doesNotThrow(() => scanSummarySchema.parse(a));
});

test('sorts classes and images by code point, not by locale or UTF-16 unit', async () => {
  const root = await temp();
  // U+FF41 (fullwidth a) sorts before U+1F600 (emoji) by code point, after it by UTF-16 unit.
  const names = ['😀 smile', 'ａ fullwidth', 'Zebra', 'apple', 'Éclair', 'eclair'];
  for (const n of names) await touch(root, `${n}/1.jpg`, `${n}/2.jpg`);
  await touch(root, 'apple/b.jpg', 'apple/B.jpg', 'apple/😀.jpg', 'apple/ａ.jpg');
  const ds = await scanDataset(root);
  assert.deepEqual(ds.classes.map((c) => c.name), ['Zebra', 'apple', 'eclair', 'Éclair', 'ａ fullwidth', '😀 smile']);
  assert.deepEqual(ds.classes.find((c) => c.name === 'apple')!.images.map((i) => i.path), ['apple/1.jpg', 'apple/2.jpg', 'apple/B.jpg', 'apple/b.jpg', 'apple/ａ.jpg', 'apple/😀.jpg']);
  assert.ok(compareNames('ａ', '😀') < 0 && compareNames('😀', 'ａ') > 0 && compareNames('a', 'a') === 0 && compareNames('a', 'ab') < 0);
});

test('follows class folders linked from outside the dataset, but not loops out there', async () => {
  const dir = await temp();
  const root = join(dir, 'ds');
  await touch(root, 'local/1.jpg', 'local/2.jpg');
  await touch(dir, 'elsewhere/cats/1.jpg', 'elsewhere/cats/2.jpg', 'elsewhere/cats/sub/3.jpg');
  await symlink(join(dir, 'elsewhere', 'cats'), join(root, 'cats'), 'dir');
  // a loop outside the dataset: a folder that links to its own parent
  await symlink('..', join(dir, 'elsewhere', 'cats', 'sub', 'up'), 'dir');
  // a class-level link back into the dataset is skipped rather than counted twice
  await symlink(join(root, 'local'), join(root, 'local-again'), 'dir');
  // a linked image file is an image
  await symlink(join(dir, 'elsewhere', 'cats', '1.jpg'), join(root, 'local', 'linked.jpg'));
  const ds = await scanDataset(root);
  assert.deepEqual(ds.classes.map((c) => [c.name, c.images.map((i) => i.path)]), [
    ['cats', ['cats/1.jpg', 'cats/2.jpg', 'cats/sub/3.jpg']],
    ['local', ['local/1.jpg', 'local/2.jpg', 'local/linked.jpg']],
  ]);
  assert.equal(reasonOf(ds, 'cats/sub/up'), SKIP_REASONS.loop);
  assert.equal(reasonOf(ds, 'local-again'), SKIP_REASONS.insideDataset);
});

test('a symlink loop at the root or inside a class terminates', async () => {
  const root = await temp();
  await touch(root, 'a/1.jpg', 'a/2.jpg', 'b/1.jpg', 'b/2.jpg');
  await symlink('.', join(root, 'self'), 'dir');
  await symlink('../..', join(root, 'a', 'grandparent'), 'dir');
  await symlink(join(root, 'b'), join(root, 'a', 'to-b'), 'dir');
  await symlink(join(root, 'a', 'x-loop'), join(root, 'a', 'x-loop')); // a link to itself: ELOOP
  const ds = await scanDataset(root);
  assert.deepEqual(ds.classes.map((c) => [c.name, c.images.length]), [['a', 2], ['b', 2]]);
  assert.equal(reasonOf(ds, 'self'), SKIP_REASONS.loop);
  assert.equal(reasonOf(ds, 'a/grandparent'), SKIP_REASONS.loop);
  assert.equal(reasonOf(ds, 'a/to-b'), SKIP_REASONS.insideDataset);
  assert.equal(reasonOf(ds, 'a/x-loop'), 'a symbolic link that loops');
});

test('files without an extension and root-level images are skipped with reasons', async () => {
  const root = await temp();
  await touch(root, 'a/1.jpg', 'a/2.JPEG', 'a/3.Tif', 'a/4.webp', 'a/5.png', 'a/Makefile', 'stray.png', 'notes.txt');
  const ds = await scanDataset(root);
  assert.equal(ds.classes[0]!.images.length, 5);
  assert.equal(reasonOf(ds, 'a/Makefile'), SKIP_REASONS.noExtension);
  assert.equal(reasonOf(ds, 'stray.png'), SKIP_REASONS.rootImage);
  assert.equal(reasonOf(ds, 'notes.txt'), SKIP_REASONS.outsideClass);
  assert.deepEqual(ds.problems.map((p) => p.kind).sort(), ['non-image', 'root-files']);
});

test('a missing folder, a file and an empty folder give clear answers', async () => {
  const dir = await temp();
  await assert.rejects(scanDataset(join(dir, 'nope')), /does not exist/);
  const { files } = await generateDataset(join(dir, 'ds'), { classes: ['a'], perClass: 1, size: 16 });
  await assert.rejects(scanDataset(files[0]!), /is a file, not a folder/);
  const empty = await scanDataset(join(dir, 'ds', 'a'));
  assert.deepEqual(empty.problems.map((p) => p.kind), ['no-classes', 'root-files']);
});

test('stops when cancelled mid-scan, not only before it starts', async () => {
  const root = await temp();
  // Many nested folders: the scan checks its signal once per folder it walks.
  const names: string[] = [];
  for (const c of ['a', 'b', 'c', 'd']) for (let i = 0; i < 15; i++) names.push(`${c}/sub${i}/x.jpg`);
  await touch(root, ...names);
  const c = new AbortController();
  let checks = 0;
  let checksAfterAbort = 0;
  // The real signal, counting the scan's checks: it is aborted at the 10th, deep inside the class folders.
  const signal = new Proxy(c.signal, {
    get(target, prop) {
      if (prop === 'throwIfAborted') {
        return () => {
          if (c.signal.aborted) checksAfterAbort++;
          if (++checks === 10) c.abort();
          target.throwIfAborted();
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  await assert.rejects(scanDataset(root, { signal }), { name: 'AbortError' });
  assert.ok(checks >= 10, 'the scan was under way when cancelled');
  assert.ok(checksAfterAbort <= 4, `each class walk stops at its next check (${checksAfterAbort} checks after the abort)`);
  assert.ok(checks < 4 * 16, `it did not walk every folder (${checks} checks)`);
  const full = await scanDataset(root);
  assert.equal(full.classes.reduce((n, k) => n + k.images.length, 0), 60, 'the same dataset scans fully without cancellation');
});

test('a file whose name is not valid UTF-8 is skipped with the reason, not lost later as "missing"', async () => {
  const root = await temp();
  await touch(root, 'a/good.jpg', 'b/other.jpg');
  // Write the name as raw bytes (0xff is never valid UTF-8); a name that only looks odd stays an image.
  await writeFile(Buffer.concat([Buffer.from(join(root, 'a') + '/bad'), Buffer.from([0xff]), Buffer.from('byte.jpg')]), 'x');
  await touch(root, 'a/ok \uFFFD sign.jpg');
  const ds = await scanDataset(root);
  assert.deepEqual(ds.classes[0]!.images.map((i) => i.path), ['a/good.jpg', 'a/ok \uFFFD sign.jpg']);
  assert.equal(reasonOf(ds, 'a/bad\uFFFDbyte.jpg'), SKIP_REASONS.badName);
});
