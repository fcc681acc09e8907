import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRunName, listPreparedRuns } from '../../../src/core/training/listPreparedRuns';
import { tempFolder } from '../support/tempFolder';

test('lists run folders with a manifest, reports unreadable manifests, ignores other folders', async () => {
  const dir = await tempFolder('pixtune-runs-');
  await mkdir(join(dir, 'good'));
  await writeFile(
    join(dir, 'good', 'manifest.json'),
    JSON.stringify({ files: [{ name: 'train.jsonl', kind: 'finetune', split: 'train', bytes: 10, lines: 8 }], classes: ['a', 'b'], warnings: [] }),
  );
  await mkdir(join(dir, 'broken'));
  await writeFile(join(dir, 'broken', 'manifest.json'), '{ not json');
  await mkdir(join(dir, 'unrelated'));
  await writeFile(join(dir, 'health-report.md'), '# report');
  const runs = await listPreparedRuns(dir);
  assert.deepEqual(runs.map((r) => r.name).sort(), ['broken', 'good']);
  const good = runs.find((r) => r.name === 'good')!;
  assert.equal(good.classCount, 2);
  assert.equal(good.files[0]!.lines, 8);
  assert.match(runs.find((r) => r.name === 'broken')!.error ?? '', /manifest\.json is unreadable/);
});

test('a missing output folder means no runs', async () => {
  assert.deepEqual(await listPreparedRuns(join(tmpdir(), 'pixtune-does-not-exist-' + process.pid)), []);
});

test('default run names sort by time and carry the seed', () => {
  assert.equal(defaultRunName(new Date(2026, 10, 29, 4, 5, 6), 42), '2026-11-29_040506_s42');
});
