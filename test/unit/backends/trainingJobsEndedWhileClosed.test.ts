// A local training job that ends while no window watches it (VS Code closed or reloading) is announced once, by
// the next window's first poll, through the status memory on disk: the real LocalTrainingBackend follows a job
// whose trainer is a stand-in process (test/fixtures/standInLocalJob.ts), each "window" is a new watcher with a
// new memory on the same file. Old jobs first seen finished are not announced; a stop asked for is not news; a
// corrupt memory file is survived. Ray jobs the same, against a stand-in dashboard (fakeRayDashboard.ts).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { LocalTrainingBackend } from '../../../src/core/jobs/backends/local/localBackend';
import { RayTrainingBackend } from '../../../src/core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../../../src/core/jobs/backends/ray/rayJobsClient';
import { trainingEndedNotice } from '../../../src/core/jobs/backends/trainingEndedNotice';
import { trainingJobKey, TrainingJobsWatcher, type TrainingJobEnded } from '../../../src/core/jobs/backends/trainingJobsWatcher';
import { TrainingStatusMemory } from '../../../src/core/jobs/backends/trainingStatusMemory';
import { startStandInLocalJob, type StandInLocalJob } from '../../fixtures/standInLocalJob';
import { tempFolder } from '../support/tempFolder';
import { startFakeRayDashboard, type FakeRayDashboard } from './fakeRayDashboard';

interface Window {
  watcher: TrainingJobsWatcher;
  memory: TrainingStatusMemory;
  ended: TrainingJobEnded[];
  warnings: string[];
  /** Saves what it saw and closes, as a window does when VS Code quits or reloads. */
  close(): Promise<void>;
}

async function setUp() {
  const dir = await tempFolder('pixtune-ended-closed-');
  const runDir = join(dir, 'aid', 'run-1');
  const indexFile = join(dir, 'cache', 'local-jobs.json');
  const memoryFile = join(dir, 'global-storage', 'training-status-seen.json');
  const jobs: StandInLocalJob[] = [];
  const windows: TrainingJobsWatcher[] = [];
  const openWindow = (): Window => {
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) };
    const memory = new TrainingStatusMemory({ file: memoryFile, log });
    // A long poll interval: every poll in these tests is one the test asks for.
    const watcher = new TrainingJobsWatcher({ log, memory, activeMs: 600_000 });
    const ended: TrainingJobEnded[] = [];
    watcher.onDidEndJob((e) => ended.push(e));
    windows.push(watcher);
    watcher.setBackend('local', new LocalTrainingBackend({ python: process.execPath, trainerRoot: dir, indexFile }));
    return {
      watcher, memory, ended, warnings,
      close: async () => {
        await memory.flush();
        watcher.dispose();
      },
    };
  };
  const startJob = async () => {
    const job = await startStandInLocalJob({ runDir, indexFile, totalSteps: 4, baseModel: join(dir, 'models', 'tiny-model') });
    jobs.push(job);
    await job.appendMetric(1);
    return job;
  };
  const succeed = async (job: StandInLocalJob) => {
    await job.appendMetric(4);
    await job.writeStatus({ state: 'succeeded', step: 4, total_steps: 4, adapter_dir: join(job.jobDir, 'adapter'), updated_at: new Date().toISOString() });
    await job.stop();
  };
  const cleanUp = async () => {
    // Also the windows a failed assertion left open: their timers and file watches would keep the test running.
    for (const w of windows) w.dispose();
    for (const j of jobs) await j.stop();
  };
  return { memoryFile, openWindow, startJob, succeed, cleanUp };
}

/** A test with its own folders, whose stand-in trainers and windows are closed however it ends. */
const scenario = (name: string, fn: (t: Awaited<ReturnType<typeof setUp>>) => Promise<void>) =>
  test(name, async () => {
    const t = await setUp();
    try {
      await fn(t);
    } finally {
      await t.cleanUp();
    }
  });

scenario('a job that ends while the window is closed is announced once by the next window, never again', async (t) => {
  const job = await t.startJob();
  const first = t.openWindow();
  await first.watcher.refresh();
  assert.equal(first.watcher.list('local').find((v) => v.id === job.id)?.status, 'RUNNING');
  await first.close();

  // The trainer finishes while no window is open.
  await t.succeed(job);

  const second = t.openWindow();
  await second.watcher.refresh();
  assert.deepEqual(second.ended.map((e) => [e.job.id, e.job.status, e.whileClosed, e.stopRequested]), [[job.id, 'SUCCESS', true, false]]);
  const n = trainingEndedNotice(second.ended[0]!);
  assert.equal(n?.message, 'Training tiny-model on aid/run-1 finished while the window was closed: its adapter is ready to evaluate.');
  assert.deepEqual(n?.actions, ['Evaluate This Model', 'Open Details']);
  assert.ok(!n!.message.includes(job.id), 'no job id in the toast');
  await second.watcher.refresh();
  assert.equal(second.ended.length, 1, 'once in this window');
  await second.close();

  const third = t.openWindow();
  await third.watcher.refresh();
  assert.equal(third.watcher.get(trainingJobKey({ backend: 'local', id: job.id }))?.status, 'SUCCESS');
  assert.deepEqual(third.ended, [], 'not again in the next window');
  await third.close();
  assert.deepEqual([...first.warnings, ...second.warnings, ...third.warnings], []);
});

scenario('an end seen while the window is open is not "while the window was closed"', async (t) => {
  const job = await t.startJob();
  const w = t.openWindow();
  await w.watcher.refresh();
  await t.succeed(job);
  await w.watcher.refresh();
  assert.deepEqual(w.ended.map((e) => [e.job.status, e.whileClosed]), [['SUCCESS', false]]);
  assert.equal(trainingEndedNotice(w.ended[0]!)?.message, 'Training tiny-model on aid/run-1 finished: its adapter is ready to evaluate.');
  await w.close();
});

scenario('jobs first seen already finished are not announced (a first install, another machine’s old runs)', async (t) => {
  const job = await t.startJob();
  await t.succeed(job);
  const w = t.openWindow();
  await w.watcher.refresh();
  assert.equal(w.watcher.list('local').find((v) => v.id === job.id)?.status, 'SUCCESS');
  assert.deepEqual(w.ended, []);
  await w.close();
});

scenario('a stop asked for before the window closed is not news; a success after it says the stop came too late', async (t) => {
  const stopped = await t.startJob();
  const late = await t.startJob();
  const first = t.openWindow();
  await first.watcher.refresh();
  // Stop Training on both (as registerTraining's command: noted, then the answer upserted).
  for (const job of [stopped, late]) first.watcher.noteStopRequested(first.watcher.get(trainingJobKey({ backend: 'local', id: job.id }))!);
  await first.close();

  await stopped.writeStatus({ state: 'stopped', step: 1, message: 'Stopped at step 1.', updated_at: new Date().toISOString() });
  await stopped.stop();
  await t.succeed(late);

  const second = t.openWindow();
  await second.watcher.refresh();
  const byId = new Map(second.ended.map((e) => [e.job.id, e]));
  assert.equal(byId.size, 2);
  assert.equal(byId.get(stopped.id)?.job.status, 'CANCELLED');
  assert.equal(byId.get(stopped.id)?.stopRequested, true);
  assert.equal(trainingEndedNotice(byId.get(stopped.id)!), undefined, 'the stop the user asked for is not announced');
  assert.match(trainingEndedNotice(byId.get(late.id)!)?.message ?? '', /^The stop came too late: training tiny-model on aid\/run-1 had already finished while the window was closed/);
  await second.close();
});

scenario('a corrupt memory file is survived: a warning, the jobs still listed, and ends announced again from then on', async (t) => {
  const job = await t.startJob();
  await mkdir(dirname(t.memoryFile), { recursive: true });
  await writeFile(t.memoryFile, '{"version": 1, "jobs": {');
  const first = t.openWindow();
  await first.watcher.refresh();
  assert.equal(first.watcher.list('local').find((v) => v.id === job.id)?.status, 'RUNNING');
  assert.equal(first.warnings.length, 1, first.warnings.join('\n'));
  assert.match(first.warnings[0]!, /starts again empty/);
  await first.close();

  await t.succeed(job);
  const second = t.openWindow();
  await second.watcher.refresh();
  assert.deepEqual(second.ended.map((e) => [e.job.id, e.whileClosed]), [[job.id, true]]);
  assert.deepEqual(second.warnings, []);
  await second.close();
});

test('Ray: a job that ended while the window was closed is announced, and another cluster’s job with the same id is not mixed up with it', async () => {
  const clusters = [await startFakeRayDashboard(), await startFakeRayDashboard()];
  const [a, b] = clusters as [FakeRayDashboard, FakeRayDashboard];
  const memoryFile = join(await tempFolder('pixtune-ended-ray-'), 'training-status-seen.json');
  const windows: TrainingJobsWatcher[] = [];
  const openWindow = (cluster: FakeRayDashboard) => {
    const log = { warn: () => undefined };
    const memory = new TrainingStatusMemory({ file: memoryFile, log });
    const watcher = new TrainingJobsWatcher({ log, memory, activeMs: 600_000 });
    const ended: TrainingJobEnded[] = [];
    watcher.onDidEndJob((e) => ended.push(e));
    watcher.setBackend('ray', new RayTrainingBackend({ client: new RayJobsClient({ address: cluster.address, retry: { maxAttempts: 1 } }), trainerRoot: '/unused', storagePath: '/cluster/jobs' }));
    windows.push(watcher);
    return { watcher, memory, ended };
  };
  // The same submission id on both clusters, as two clusters started the same day can have.
  const submit = (cluster: FakeRayDashboard, status: 'RUNNING' | 'SUCCEEDED') =>
    cluster.jobs.set('raysubmit_1', {
      details: { submission_id: 'raysubmit_1', status, entrypoint: 'python -m pixtune_trainer train', metadata: { pixtune: '1', pixtune_base_model: 'mistralai/Pixtral-12B-2409', pixtune_run_dir: '/data/aid/run-7', pixtune_output_dir: '/cluster/jobs/raysubmit_1' }, start_time: Date.now() },
      log: '',
    });
  try {
    submit(a, 'RUNNING');
    submit(b, 'SUCCEEDED');
    const first = openWindow(a);
    await first.watcher.refresh();
    assert.equal(first.watcher.list('ray')[0]?.status, 'RUNNING');
    await first.memory.flush();
    first.watcher.dispose();

    a.jobs.get('raysubmit_1')!.details.status = 'SUCCEEDED';
    // Connected to the other cluster: its finished raysubmit_1 was never seen running.
    const other = openWindow(b);
    await other.watcher.refresh();
    assert.equal(other.watcher.list('ray')[0]?.status, 'SUCCESS');
    assert.deepEqual(other.ended, []);
    await other.memory.flush();
    other.watcher.dispose();

    const back = openWindow(a);
    await back.watcher.refresh();
    assert.deepEqual(back.ended.map((e) => [e.job.id, e.job.location, e.whileClosed]), [['raysubmit_1', a.address, true]]);
    assert.equal(trainingEndedNotice(back.ended[0]!)?.message, 'Training Pixtral-12B-2409 on aid/run-7 finished on the Ray cluster while the window was closed: its adapter is ready to evaluate.');
  } finally {
    for (const w of windows) w.dispose();
    for (const c of clusters) await c.close();
  }
});
