// The memory of training statuses last seen: written atomically and merged with what other windows wrote, a
// broken or missing file survived (start empty, one warning), entries of jobs not listed for a month dropped,
// the file capped, and the stop flag kept through a job's end and cleared by a resume.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FORGET_AFTER_MS, MAX_ENTRIES, memoryKey, TrainingStatusMemory } from '../../../src/core/jobs/backends/trainingStatusMemory';
import type { TrainingJobView } from '../../../src/core/jobs/backends/trainingBackend';
import { tempFolder } from '../support/tempFolder';

type Job = Pick<TrainingJobView, 'backend' | 'id' | 'location' | 'status'>;
const local = (id: string, status: TrainingJobView['status']): Job => ({ backend: 'local', id, location: 'this machine', status });
const ray = (address: string, id: string, status: TrainingJobView['status']): Job => ({ backend: 'ray', id, location: address, status });

function memory(file: string, now?: () => number) {
  const warnings: string[] = [];
  return { m: new TrainingStatusMemory({ file, log: { warn: (w) => warnings.push(w) }, now }), warnings };
}

const onDisk = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as { version: number; jobs: Record<string, { status: string; stopRequested?: boolean; seenAt: number }> };

test('notes land in the file atomically (no temp file left), and a new instance reads them back', async () => {
  const file = join(await tempFolder('pixtune-seen-'), 'global', 'training-status-seen.json');
  const { m, warnings } = memory(file);
  await m.load();
  m.note(local('local-a', 'RUNNING'));
  m.note(ray('http://head-1:8265', 'raysubmit_1', 'RUNNING'));
  m.note(ray('http://head-2:8265', 'raysubmit_1', 'SUCCESS'));
  await m.flush();
  assert.deepEqual(await readdir(join(file, '..')), ['training-status-seen.json']);
  const disk = await onDisk(file);
  assert.equal(disk.version, 1);
  // Two clusters with the same submission id are two entries.
  assert.equal(disk.jobs[memoryKey(ray('http://head-1:8265', 'raysubmit_1', 'RUNNING'))]?.status, 'RUNNING');
  assert.equal(disk.jobs[memoryKey(ray('http://head-2:8265', 'raysubmit_1', 'RUNNING'))]?.status, 'SUCCESS');
  const again = memory(file).m;
  await again.load();
  assert.equal(again.get(local('local-a', 'SUCCESS'))?.status, 'RUNNING');
  assert.deepEqual(warnings, [], 'a missing file is no warning');
});

test('two windows saving at once keep each other’s entries', async () => {
  const file = join(await tempFolder('pixtune-seen-'), 'training-status-seen.json');
  const a = memory(file).m;
  const b = memory(file).m;
  await Promise.all([a.load(), b.load()]);
  for (let i = 0; i < 10; i++) {
    a.note(local(`local-a${i}`, 'RUNNING'));
    b.note(local(`local-b${i}`, 'RUNNING'));
  }
  await Promise.all([a.flush(), b.flush()]);
  const keys = Object.keys((await onDisk(file)).jobs).sort();
  assert.equal(keys.length, 20, keys.join(' '));
});

test('a corrupt or foreign file is survived: one warning, empty, then replaced by a good file', async () => {
  for (const content of ['{"version": 1, "jobs": {"local:this machine:x": {"sta', '[1, 2, 3]']) {
    const file = join(await tempFolder('pixtune-seen-'), 'training-status-seen.json');
    await writeFile(file, content);
    const { m, warnings } = memory(file);
    await m.load();
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /starts again empty/);
    assert.equal(m.get(local('x', 'RUNNING')), undefined);
    m.note(local('local-a', 'RUNNING'));
    await m.flush();
    assert.deepEqual(Object.values((await onDisk(file)).jobs).map((e) => e.status), ['RUNNING']);
  }
});

test('entries not listed for a month are dropped; a listed job is refreshed daily; the file is capped', async () => {
  const file = join(await tempFolder('pixtune-seen-'), 'training-status-seen.json');
  let now = 1_000_000_000_000;
  const { m } = memory(file, () => now);
  await m.load();
  m.note(local('gone', 'SUCCESS'));
  m.note(local('kept', 'SUCCESS'));
  await m.flush();
  const first = await readFile(file, 'utf8');
  // The same status again the same day writes nothing.
  now += 3600_000;
  m.note(local('kept', 'SUCCESS'));
  await m.flush();
  assert.equal(await readFile(file, 'utf8'), first);
  // A day later, still listed: its age is refreshed; "gone" is not listed any more.
  for (let day = 1; day <= 31; day++) {
    now += 24 * 3600_000;
    m.note(local('kept', 'SUCCESS'));
    await m.flush();
  }
  assert.ok(31 * 24 * 3600_000 > FORGET_AFTER_MS);
  assert.deepEqual(Object.keys((await onDisk(file)).jobs), [memoryKey(local('kept', 'SUCCESS'))]);

  // The cap keeps the most recently seen.
  for (let i = 0; i < MAX_ENTRIES + 10; i++) {
    now += 1;
    m.note(local(`job-${i}`, 'RUNNING'));
  }
  await m.flush();
  const jobs = Object.keys((await onDisk(file)).jobs);
  assert.equal(jobs.length, MAX_ENTRIES);
  assert.ok(jobs.includes(memoryKey(local(`job-${MAX_ENTRIES + 9}`, 'RUNNING'))));
  assert.ok(!jobs.includes(memoryKey(local('job-0', 'RUNNING'))));
});

test('the stop flag: set by a stop request or "stop requested", kept through the end, cleared by a resume', async () => {
  const file = join(await tempFolder('pixtune-seen-'), 'training-status-seen.json');
  const { m } = memory(file);
  await m.load();
  m.note(local('j', 'RUNNING'), { stopRequested: true });
  assert.equal(m.get(local('j', 'RUNNING'))?.stopRequested, true);
  m.note(local('j', 'CANCELLED'));
  assert.equal(m.get(local('j', 'RUNNING'))?.stopRequested, true);
  m.note(local('j', 'STARTED'));
  assert.equal(m.get(local('j', 'RUNNING'))?.stopRequested, undefined, 'resumed: a later end is news again');
  m.note(local('j', 'CANCELLATION_REQUESTED'));
  m.note(local('j', 'CANCELLED'));
  await m.flush();
  const again = memory(file).m;
  await again.load();
  assert.deepEqual(again.get(local('j', 'RUNNING'))?.stopRequested, true);
  assert.equal(again.get(local('j', 'RUNNING'))?.status, 'CANCELLED');
});

test('notes made while a save is reading or writing the file are all kept (polls note statuses at any moment)', async () => {
  const file = join(await tempFolder('pixtune-seen-'), 'training-status-seen.json');
  const { m, warnings } = memory(file);
  await m.load();
  for (let i = 0; i < 60; i++) {
    m.note(local(`local-${i}`, 'RUNNING'));
    // Let the save in flight move on a step, so the next note lands in the middle of it.
    await new Promise((r) => setImmediate(r));
  }
  await m.flush();
  assert.deepEqual(warnings, []);
  assert.equal(Object.keys((await onDisk(file)).jobs).length, 60);
  for (let i = 0; i < 60; i++) assert.equal(m.get(local(`local-${i}`, 'SUCCESS'))?.status, 'RUNNING');
});
