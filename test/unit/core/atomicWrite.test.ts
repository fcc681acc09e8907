import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicFileWriter, writeFileAtomic } from '../../../src/core/fsutil/atomicWrite';
import { tempFolder } from '../support/tempFolder';

test('writeFileAtomic replaces the file and leaves no temp file', async () => {
  const dir = await tempFolder('pixtune-atomic-');
  const target = join(dir, 'out.json');
  await writeFile(target, 'old');
  await writeFileAtomic(target, 'new');
  assert.equal(await readFile(target, 'utf8'), 'new');
  assert.deepEqual(await readdir(dir), ['out.json']);
});

test('AtomicFileWriter shows nothing at the target until commit', async () => {
  const dir = await tempFolder('pixtune-atomic-');
  const target = join(dir, 'train.jsonl');
  const w = await AtomicFileWriter.open(target);
  await w.write('{"a":1}\n');
  assert.ok(!(await readdir(dir)).includes('train.jsonl'), 'target appeared before commit');
  await w.commit();
  assert.equal(await readFile(target, 'utf8'), '{"a":1}\n');
  assert.equal(w.bytesWritten, 8);
  assert.deepEqual(await readdir(dir), ['train.jsonl']);
});

test('AtomicFileWriter.abort keeps the old file and removes the temp file', async () => {
  const dir = await tempFolder('pixtune-atomic-');
  const target = join(dir, 'train.jsonl');
  await writeFile(target, 'previous run');
  const w = await AtomicFileWriter.open(target);
  await w.write('half of a new ');
  await w.abort();
  assert.equal(await readFile(target, 'utf8'), 'previous run');
  assert.deepEqual(await readdir(dir), ['train.jsonl']);
});
