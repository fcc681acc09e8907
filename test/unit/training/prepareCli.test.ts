// `pixtune prepare` as a user runs it (dist/cli.js, built by `npm test` before the unit tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDataset, tempDir, texturedJpeg } from './trainingFixtures';

const cli = (...args: string[]) => spawnSync('node', ['dist/cli.js', 'prepare', ...args], { encoding: 'utf8' });

test('prepare into a folder that holds a run: refused, then --overwrite replaces it and removes its stale files', async () => {
  const ds = await makeDataset(['a', 'b'], 6, 64, 31);
  const out = await tempDir();
  // First run: with a validation split and small parts, so it writes files the second run will not.
  const first = cli(ds.root, '--out', out, '--train', '0.5', '--val', '0.25', '--test', '0.25', '--max-file-mb', '1', '--json');
  assert.equal(first.status, 0, first.stderr);
  const before = await readdir(out);
  assert.ok(before.includes('validation.part-001.jsonl'), before.join(', '));

  const refused = cli(ds.root, '--out', out);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /already holds a run .*--overwrite/s);
  assert.deepEqual(await readdir(out), before, 'a refused run changes nothing');

  const second = cli(ds.root, '--out', out, '--overwrite', '--json');
  assert.equal(second.status, 0, second.stderr);
  const after = (await readdir(out)).sort();
  assert.deepEqual(after, ['manifest.json', 'report.md', 'test.batch.jsonl', 'train.jsonl']);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { files: { name: string }[] };
  assert.deepEqual(manifest.files.map((f) => f.name).sort(), ['test.batch.jsonl', 'train.jsonl'], 'the folder holds exactly what the manifest lists');
});

test('prepare refuses a dataset with fewer than two classes with images', async () => {
  const root = await tempDir();
  await mkdir(join(root, 'only'), { recursive: true });
  await writeFile(join(root, 'only', 'x.jpg'), await texturedJpeg(64, 64, 1));
  await mkdir(join(root, 'empty'));
  const out = await tempDir();
  const r = cli(root, '--out', out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /only one class with images: a classifier needs at least two/);
  assert.deepEqual(await readdir(out), []);
});
