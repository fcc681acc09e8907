// The local jobs index is written by every window's backends and by the CLI: adds from separate instances (as
// separate processes have) must not lose each other (B13), through <index>.lock with a pid inside.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { LocalJobIndex } from '../../../src/core/jobs/backends/local/localJobRecord';
import { tempFolder } from '../support/tempFolder';

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('adds from two separate index instances of one file, interleaved, keep every entry', async () => {
  const file = join(await tempFolder('pixtune-index-'), 'cache', 'local-jobs.json');
  const a = new LocalJobIndex(file);
  const b = new LocalJobIndex(file);
  await Promise.all([...ids('a', 15).map((id) => a.add(id, `/runs/${id}`)), ...ids('b', 15).map((id) => b.add(id, `/runs/${id}`))]);
  const all = await new LocalJobIndex(file).all();
  assert.deepEqual(all.map((j) => j.id).sort(), [...ids('a', 15), ...ids('b', 15)].sort());
  await assert.rejects(stat(`${file}.lock`), { code: 'ENOENT' }, 'the lock is released');
});

test('one shared instance per index file in a process', async () => {
  const file = join(await tempFolder('pixtune-index-'), 'local-jobs.json');
  assert.equal(LocalJobIndex.for(file), LocalJobIndex.for(relative(process.cwd(), file)));
  assert.notEqual(LocalJobIndex.for(file), LocalJobIndex.for(file + '.other'));
});

test('an add waits while a live process holds the lock, and takes over a dead process’s lock', async () => {
  const file = join(await tempFolder('pixtune-index-'), 'local-jobs.json');
  const index = new LocalJobIndex(file);
  // Held by a live process (this test's parent): the add waits for its release.
  await writeFile(`${file}.lock`, `${process.ppid}\n`);
  const pending = index.add('held', '/runs/held');
  const early = await Promise.race([pending.then(() => 'written'), new Promise((r) => setTimeout(r, 300, 'waiting'))]);
  assert.equal(early, 'waiting');
  assert.deepEqual(await index.all(), []);
  await rm(`${file}.lock`); // released
  await pending;
  assert.deepEqual((await index.all()).map((j) => j.id), ['held']);

  // A crashed owner: its pid no longer runs.
  const dead = spawnSync('true').pid;
  await writeFile(`${file}.lock`, `${dead}\n`);
  await index.add('after-crash', '/runs/after-crash');
  assert.deepEqual((await index.all()).map((j) => j.id), ['held', 'after-crash']);
  assert.equal(await readFile(`${file}.lock`, 'utf8').catch(() => 'gone'), 'gone');
});
