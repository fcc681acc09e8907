import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findDatasetCandidates } from '../../../src/core/dataset/findDatasetCandidates';
import { tempFolder } from '../support/tempFolder';

async function touch(path: string) {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '');
}

test('finds folder-per-class datasets and not their class folders or plain folders', async () => {
  const ws = await tempFolder('pixtune-cand-');
  await touch(join(ws, 'data', 'AID', 'beach', 'a.jpg'));
  await touch(join(ws, 'data', 'AID', 'river', 'b.PNG'));
  await touch(join(ws, 'docs', 'notes', 'x.txt'));
  await touch(join(ws, 'docs', 'other', 'y.txt'));
  await touch(join(ws, 'node_modules', 'pkg', 'c1', 'a.jpg'));
  await touch(join(ws, 'node_modules', 'pkg', 'c2', 'a.jpg'));
  await touch(join(ws, 'single', 'only', 'a.jpg'));
  const found = await findDatasetCandidates([ws]);
  assert.deepEqual(found, [{ path: join(ws, 'data', 'AID'), classCount: 2 }]);
});

test('respects the depth limit', async () => {
  const ws = await tempFolder('pixtune-cand-');
  await touch(join(ws, 'a', 'b', 'c', 'd', 'ds', 'x', '1.jpg'));
  await touch(join(ws, 'a', 'b', 'c', 'd', 'ds', 'y', '1.jpg'));
  assert.deepEqual(await findDatasetCandidates([ws], { maxDepth: 3 }), []);
  assert.equal((await findDatasetCandidates([ws], { maxDepth: 5 })).length, 1);
});
