// The Ray backend against a real local Ray head (started and stopped here, with the project environment's
// `ray`), driven only through our TypeScript client: the real trainer on a tiny model to SUCCEEDED with its
// metrics read from the job log; a failing job with its log tail; a stopped job reported as stopped and
// resumed to the end; a 2-worker Ray Train run on CPU.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkSourceOnly } from '../../src/core/jobs/backends/capacityCheck';
import { rayTarget } from '../../src/core/jobs/backends/capacityProbe';
import { RayTrainingBackend } from '../../src/core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../../src/core/jobs/backends/ray/rayJobsClient';
import { isTerminalTrainingStatus, toFineTuningJob } from '../../src/core/jobs/backends/trainingBackend';
import { jobDetailsModel } from '../../src/core/jobs/jobDetailsModel';
import { makeTinyModel, makeToyRun, projectPython, TRAINER_ROOT, waitFor } from './fixtures';
import { startRayHead, type RayHead } from './rayHead';

let dir: string;
let runDir: string;
let model: string;
let head: RayHead | undefined;
let client: RayJobsClient;
let backend: RayTrainingBackend;
const stages: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-ray-'));
  const python = await projectPython();
  [runDir, model, head] = await Promise.all([makeToyRun(join(dir, 'run')), makeTinyModel(join(dir, 'model')), startRayHead(python, { numCpus: 4 })]);
  client = new RayJobsClient({ address: head.address });
  backend = new RayTrainingBackend({ client, trainerRoot: TRAINER_ROOT, storagePath: head.storagePath, stopGraceSeconds: 60, onStage: (s) => stages.push(s) });
});

after(async () => {
  // Stop what is still running, then the head (always, even after a failure), then the files.
  if (head) {
    for (const v of await backend.list().catch(() => [])) if (!isTerminalTrainingStatus(v.status)) await backend.stop(v.id).catch(() => undefined);
    await head.stop();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

const tiny = { learning_rate: 1e-3, lora_rank: 4, workers: 1, gpus_per_worker: 0 };
const ended = (id: string, ms = 240_000) => waitFor(() => backend.get(id), (v) => isTerminalTrainingStatus(v.status), ms, `job ${id} to end`);

test('a job runs to SUCCEEDED; its metrics come from the trainer events in the job log; a relaunch uploads nothing', { timeout: 300_000 }, async () => {
  const v = await backend.launch({ runDir, baseModel: model, hyperparameters: { ...tiny, max_steps: 3 } });
  assert.deepEqual(stages, ['package', 'upload', 'submit']);
  assert.equal(v.backend, 'ray');
  assert.equal(v.location, head!.address);
  const done = await ended(v.id);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
  assert.deepEqual(done.metrics.map((m) => m.step), [1, 2, 3]);
  assert.ok(done.metrics.every((m) => typeof m.train_loss === 'number' && m.train_loss > 0));
  assert.ok(done.metrics.at(-1)!.valid_loss !== undefined, 'the last step is evaluated on validation.jsonl');
  assert.equal(done.totalSteps, 3);
  // On this one-node cluster the storage path is a local folder: the adapter is really there.
  assert.ok(done.adapter?.startsWith(head!.storagePath));
  assert.ok((await stat(join(done.adapter!, 'adapter_config.json'))).isFile());
  const art = await backend.artefacts(v.id);
  assert.equal(art.adapter, done.adapter);
  assert.match(art.fetchHint ?? '', /shared storage/);
  // The details panel's model takes the job as it takes a Mistral one: the loss curve, the hyperparameters.
  const details = jobDetailsModel(toFineTuningJob(done), { nowMs: Date.now(), serverLabel: 'Ray', isSandbox: false });
  assert.deepEqual(details.series.steps, [1, 2, 3]);
  assert.equal(details.statusLabel, 'Succeeded');
  assert.ok(details.hyperparameters.some((h) => h.label === 'lora_rank' && h.value === '4'));
  // The same run again: the package (trainer + data) is already on the cluster.
  stages.length = 0;
  const again = await backend.launch({ runDir, baseModel: model, hyperparameters: { ...tiny, max_steps: 1 } });
  assert.deepEqual(stages, ['package', 'submit']);
  await backend.stop(again.id);
  const listed = await backend.list();
  assert.ok(listed.some((j) => j.id === v.id) && listed.some((j) => j.id === again.id));
});

test('the capacity probe runs on the cluster and reports whether a node can load the base model', { timeout: 120_000 }, async () => {
  // A name a shell would split and unquote: it reaches the trainer whole because it travels in the job's environment.
  const odd = join(dir, "tiny model's folder");
  await symlink(model, odd);
  const started = Date.now();
  const target = await rayTarget(backend, client, undefined, odd);
  const probeMs = Date.now() - started;
  assert.equal(target.modelSource?.kind, 'local-dir', JSON.stringify(target.modelSource));
  assert.equal(target.modelSource?.ok, true);
  assert.ok(target.modelSource?.detail.includes(odd), target.modelSource?.detail);
  assert.deepEqual(target.gpuMemoryGb, [], 'a CPU-only cluster is still probed');
  console.log(`capacity probe with model source on the local Ray head: ${probeMs} ms`);
  // A folder the node does not have: refused before a job is submitted.
  const gone = await rayTarget(backend, client, undefined, join(dir, 'no-such-model'));
  assert.equal(gone.modelSource?.kind, 'missing');
  const report = checkSourceOnly(gone, { kind: 'local-dir', id: join(dir, 'no-such-model') });
  assert.equal(report.verdict, 'does-not-fit');
  assert.match(report.wayOut[0]!, /a folder that exists on the Ray cluster at .* \(the path is read on the cluster's nodes\)/);
});

test('a failing job is FAILED with the trainer\'s message and the tail of its log', { timeout: 120_000 }, async () => {
  const v = await backend.launch({ runDir, baseModel: '/nonexistent/model-dir', hyperparameters: { ...tiny, max_steps: 1 } });
  const done = await ended(v.id, 100_000);
  assert.equal(done.status, 'FAILED');
  assert.ok(done.message, 'a reason');
  assert.match(done.logTail ?? '', /nonexistent/);
  assert.equal(done.resumable, false);
});

test('a stopped job is reported as stopped and resumable, and its resume finishes the curve', { timeout: 360_000 }, async () => {
  const v = await backend.launch({ runDir, baseModel: model, hyperparameters: { ...tiny, max_steps: 6, checkpoint_every: 1 } });
  await waitFor(() => backend.get(v.id), (j) => j.status === 'RUNNING' && j.metrics.length >= 1, 180_000, 'the first step');
  await backend.stop(v.id);
  const stopped = await ended(v.id, 120_000);
  assert.equal(stopped.status, 'CANCELLED', JSON.stringify(stopped));
  assert.equal(stopped.resumable, true);
  const resumed = await backend.resume!(v.id);
  assert.notEqual(resumed.id, v.id);
  const done = await ended(resumed.id);
  assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
  // The earlier job's steps and the resumed job's steps make one curve.
  assert.deepEqual(done.metrics.map((m) => m.step), [1, 2, 3, 4, 5, 6]);
});

test('two Ray Train workers on CPU train one adapter', { timeout: 360_000 }, async () => {
  const v = await backend.launch({ runDir, baseModel: model, hyperparameters: { ...tiny, max_steps: 2, workers: 2 } });
  const done = await ended(v.id, 330_000);
  assert.equal(done.status, 'SUCCESS', JSON.stringify({ ...done, log: (await backend.logs(v.id)).slice(-3000) }));
  assert.deepEqual(done.metrics.map((m) => m.step), [1, 2]);
  assert.match(await backend.logs(v.id), /"workers": 2/);
});
