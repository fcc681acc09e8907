// Runs a person can tell apart (labels from the options, not the folder's time stamp), the image-size step's
// real sizes, and a text file in a class folder that is listed but never counted as a skipped image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeResize, describeRun, describeTileSize, formatRunTime } from '../../../src/core/training/describeRunOptions';
import { listPreparedRuns } from '../../../src/core/training/listPreparedRuns';
import { prepareTrainingData } from '../../../src/core/training/prepareTrainingData';
import { manifestSchema } from '../../../src/core/training/manifest';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { makeDataset, tempDir } from './trainingFixtures';

test('two runs of one dataset with different options get different labels from their manifests', async () => {
  const ds = await makeDataset(['airport', 'beach'], 6, 64);
  const runs = await tempDir();
  await prepareTrainingData(ds, { split: { train: 0.5, validation: 0, test: 0.5, seed: 1 }, image: { scale: 0.5 } }, join(runs, 'a'), { createdAt: '2026-11-29T04:12:00' });
  await prepareTrainingData(ds, { split: { train: 0.5, validation: 0, test: 0.5, seed: 1 }, image: { scale: 1, format: 'png' }, template: 'compact' }, join(runs, 'b'), { createdAt: '2026-11-29T04:13:00' });
  const listed = await listPreparedRuns(runs);
  const label = (name: string) => listed.find((r) => r.name === name)!.description;
  assert.deepEqual(label('a'), { label: '50/0/50 · 32×32 · JPEG 90', when: '29 Nov 04:12' });
  assert.deepEqual(label('b'), { label: '50/0/50 · 64×64 · PNG · compact', when: '29 Nov 04:13' });
});

test('a run whose options do not parse keeps its folder name (no description)', () => {
  assert.equal(describeRun({ options: { split: { train: 'most' } } }), undefined);
  assert.equal(describeRun({}), undefined);
  assert.equal(describeRun({ options: { split: { seed: 3, counts: { validation: 5, test: 20 } }, image: { maxEdge: 512 }, template: '/x/my-template.json' } })!.label,
    '5 val · 20 test per class · ≤ 512 px · JPEG 90 · my-template.json');
  assert.equal(formatRunTime(new Date(2026, 0, 3, 9, 5)), '3 Jan 09:05');
});

test('the image-size step quotes the dataset\'s usual size, not a fixed 600×600', () => {
  const tiles = { width: 256, height: 256 };
  assert.equal(describeResize(tiles, { scale: 0.5 }), '256×256 → 128×128');
  assert.equal(describeResize(tiles, { scale: 0.25 }), '256×256 → 64×64');
  assert.equal(describeResize(tiles, { scale: 1 }), '256×256, unchanged');
  assert.equal(describeResize({ width: 600, height: 400 }, { scale: 1, maxEdge: 300 }), '600×400 → 300×200');
  assert.equal(describeTileSize({ scale: 0.5 }), '×0.5');
});

test('a text file in a class folder is listed apart and not counted as a skipped image', async () => {
  const ds0 = await makeDataset(['airport', 'beach'], 5, 48);
  await writeFile(join(ds0.root, 'airport', 'notes.txt'), 'labelled by hand\n');
  await writeFile(join(ds0.root, 'beach', 'beach_broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  const ds = await scanDataset(ds0.root);
  const out = await tempDir();
  const r = await prepareTrainingData(ds, { split: { train: 0.6, validation: 0, test: 0.4, seed: 2 } }, out);
  assert.ok(r.warnings.includes('1 image was skipped (unreadable or unsupported)'), r.warnings.join(' | '));
  assert.ok(r.warnings.includes('1 file that is not an image was ignored'), r.warnings.join(' | '));
  const manifest = manifestSchema.parse(JSON.parse(await readFile(r.manifestPath, 'utf8')));
  assert.deepEqual(manifest.skipped.map((s) => [s.path, s.notAnImage ?? false]).sort(), [['airport/notes.txt', true], ['beach/beach_broken.jpg', false]]);
  const report = await readFile(r.reportPath, 'utf8');
  assert.match(report, /## Skipped images \(1\)/);
  assert.match(report, /## Files that are not images \(ignored\) \(1\)/);
});

test('Validate JSONL\'s file dialog starts in the newest run folder of any dataset', async () => {
  const { newestRunFolder } = await import('../../../src/core/training/listPreparedRuns');
  const { mkdir, utimes } = await import('node:fs/promises');
  const root = await tempDir();
  const manifest = JSON.stringify({ files: [], classes: [], warnings: [] });
  for (const [ds, run, t] of [['aid', 'old', 1_000], ['aid', 'newer', 3_000], ['ucm', 'middle', 2_000]] as const) {
    await mkdir(join(root, ds, run), { recursive: true });
    await writeFile(join(root, ds, run, 'manifest.json'), manifest);
    await utimes(join(root, ds, run, 'manifest.json'), t, t);
  }
  await mkdir(join(root, 'ucm', 'not-a-run'), { recursive: true });
  assert.equal(await newestRunFolder([root, join(root, 'missing')]), join(root, 'aid', 'newer'));
  assert.equal(await newestRunFolder([join(root, 'missing')]), undefined);
});
