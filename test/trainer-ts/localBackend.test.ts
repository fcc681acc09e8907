// The local backend for real: the project's trainer on a tiny model as a detached process, followed across a
// simulated window reload (a second backend instance that only has the disk), stopped with SIGTERM (a
// checkpoint, then "stopped"), resumed to the end with one continuous metrics curve; a trainer that dies
// without a final status is reported as failed with its log tail.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalTrainingBackend } from '../../src/core/jobs/backends/local/localBackend';
import { isTerminalTrainingStatus, toFineTuningJob, type TrainingJobView } from '../../src/core/jobs/backends/trainingBackend';
import { trainingJobKey, TrainingJobsWatcher } from '../../src/core/jobs/backends/trainingJobsWatcher';
import { jobRowModel } from '../../src/core/jobs/jobRowModel';
import { makeTinyModel, makeToyRun, projectPython, TRAINER_ROOT, waitFor } from './fixtures';

let dir: string;
let runDir: string;
let model: string;
let python: string;
const backend = () => new LocalTrainingBackend({ python, trainerRoot: TRAINER_ROOT, indexFile: join(dir, 'local-jobs.json') });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-local-'));
  python = await projectPython();
  [runDir, model] = await Promise.all([makeToyRun(join(dir, 'run')), makeTinyModel(join(dir, 'model'))]);
});

after(async () => {
  // Never leave a trainer running: stop whatever the index still knows, then remove the folder.
  if (dir) {
    for (const v of await backend().list().catch(() => [] as TrainingJobView[])) if (!isTerminalTrainingStatus(v.status)) await backend().stop(v.id).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

// Long enough that the stop lands mid-run on a fast, idle machine too (a tiny-model step can take 60 ms there, and 6
// steps ended before the stop was sent), short enough to resume to the end on a loaded one.
const STEPS = 40;

test('launch, follow after a reload, stop with a checkpoint, resume to the end', { timeout: 300_000 }, async () => {
  const first = backend();
  const launched = await first.launch({ runDir, baseModel: model, hyperparameters: { max_steps: STEPS, checkpoint_every: 1, learning_rate: 1e-3, lora_rank: 4, workers: 1, gpus_per_worker: 0 } });
  assert.equal(launched.backend, 'local');
  assert.match(launched.id, /^local-run-[0-9a-f]{8}$/);
  // The record lives in the run folder.
  const record = JSON.parse(await readFile(join(runDir, 'training', launched.id, 'pixtune-job.json'), 'utf8'));
  assert.equal(record.id, launched.id);

  // "Reload": a new instance knows nothing but the disk, and still follows the running trainer.
  const reloaded = backend();
  const running = await waitFor(() => reloaded.get(launched.id), (v) => v.status === 'RUNNING' && v.metrics.length >= 1, 120_000, 'the first step');
  assert.equal(running.metrics[0]!.step, 1);
  assert.ok(running.metrics[0]!.train_loss! > 0);
  assert.deepEqual((await reloaded.list()).map((v) => v.id), [launched.id]);
  // The existing jobs tree shows it through the backend-neutral adapter.
  const row = jobRowModel(toFineTuningJob(running), Date.now());
  assert.match(row.description, new RegExp(`^Running · .* · step \\d+/${STEPS} · loss `));
  assert.match(row.contextValue, /cancellable/);

  await reloaded.stop(launched.id);
  const stopped = await waitFor(() => reloaded.get(launched.id), (v) => isTerminalTrainingStatus(v.status), 120_000, 'the stop');
  assert.equal(stopped.status, 'CANCELLED', JSON.stringify(stopped));
  assert.equal(stopped.resumable, true);
  const stoppedAt = stopped.step!;
  assert.ok(stoppedAt >= 1 && stoppedAt < STEPS, `stopped at step ${stoppedAt}`);
  assert.ok((await stat(join(runDir, 'training', launched.id, 'checkpoints', `step-${stoppedAt}`))).isDirectory());

  const resumed = await reloaded.resume(launched.id);
  assert.equal(resumed.id, launched.id);
  const done = await waitFor(() => backend().get(launched.id), (v) => isTerminalTrainingStatus(v.status), 180_000, 'the resumed run');
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
  assert.deepEqual(done.metrics.map((m) => m.step), Array.from({ length: STEPS }, (_, i) => i + 1));
  assert.ok(done.adapter && (await stat(join(done.adapter, 'adapter_config.json'))).isFile());
  const artefacts = await backend().artefacts(launched.id);
  assert.equal(artefacts.adapter, done.adapter);
  assert.ok(artefacts.checkpoints.length >= 1);
  assert.match(await backend().logs(launched.id), /"event": "finished"/);
});

test('a trainer that cannot start its work is failed, with the end of its log', { timeout: 120_000 }, async () => {
  const b = backend();
  const launched = await b.launch({ runDir, baseModel: join(dir, 'no-such-model'), hyperparameters: { max_steps: 1, learning_rate: 1e-4, lora_rank: 4, workers: 1, gpus_per_worker: 0 } });
  const failed = await waitFor(() => b.get(launched.id), (v) => isTerminalTrainingStatus(v.status), 90_000, 'the failure');
  assert.equal(failed.status, 'FAILED');
  assert.ok(failed.message && failed.message.length > 0);
  assert.match(failed.logTail ?? '', /no-such-model|error/i);
  assert.equal(failed.resumable, false);
});

test('a trainer killed without a final status is reported as failed, not as running', { timeout: 120_000 }, async () => {
  const b = backend();
  const launched = await b.launch({ runDir, baseModel: model, hyperparameters: { max_steps: 50, learning_rate: 1e-4, lora_rank: 4, workers: 1, gpus_per_worker: 0 } });
  await waitFor(() => b.get(launched.id), (v) => v.status === 'RUNNING', 90_000, 'the trainer to run');
  const { pid } = JSON.parse(await readFile(join(runDir, 'training', launched.id, 'pixtune-job.json'), 'utf8')) as { pid: number };
  process.kill(pid, 'SIGKILL');
  const gone = await waitFor(() => b.get(launched.id), (v) => isTerminalTrainingStatus(v.status), 30_000, 'the killed trainer to be noticed');
  assert.equal(gone.status, 'FAILED');
  assert.match(gone.message ?? '', /ended without reporting a result/);
});

test('the training jobs watcher follows a local job to its end and announces it once', { timeout: 180_000 }, async () => {
  const watcher = new TrainingJobsWatcher({ log: { warn: () => undefined }, activeMs: 300 });
  try {
    const b = backend();
    watcher.setBackend('local', b);
    const endedJobs: TrainingJobView[] = [];
    watcher.onDidEndJob((e) => endedJobs.push(e.job));
    const launched = await b.launch({ runDir, baseModel: model, hyperparameters: { max_steps: 2, learning_rate: 1e-3, lora_rank: 4, workers: 1, gpus_per_worker: 0 } });
    watcher.upsert(launched);
    const key = trainingJobKey(launched);
    assert.equal(watcher.get(key)?.status, 'STARTED');
    await waitFor(async () => endedJobs.length, (n) => n > 0, 150_000, 'the watcher to announce the end');
    assert.deepEqual(endedJobs.map((v) => [v.id, v.status]), [[launched.id, 'SUCCESS']]);
    assert.deepEqual(watcher.get(key)!.metrics.map((m) => m.step), [1, 2]);
    // Earlier jobs of this run are listed too (from the index), each once.
    assert.ok(watcher.list('local').length >= 2);
    await watcher.refresh();
    assert.equal(endedJobs.length, 1);
  } finally {
    watcher.dispose();
  }
});
