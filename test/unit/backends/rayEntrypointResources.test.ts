// Where Ray runs a job's entrypoint: a one-worker training (the trainer trains in the entrypoint) asks for its
// worker's GPUs, so Ray does not run it on the CPU-only head; the environment probe asks for a GPU when the
// cluster has one. The backend and client are the real ones; the cluster is the stand-in dashboard, which
// records each submitted job.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { clusterTotal, trainingEntrypointResources } from '../../../src/core/jobs/backends/ray/entrypointResources';
import { RayTrainingBackend } from '../../../src/core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../../../src/core/jobs/backends/ray/rayJobsClient';
import { startFakeRayDashboard, type FakeRayDashboard } from './fakeRayDashboard';

const TRAINER_ROOT = join(__dirname, '..', '..', '..', 'src', 'trainer');
let dir: string;
let cluster: FakeRayDashboard;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-ray-resources-'));
  await mkdir(join(dir, 'run'));
  await writeFile(join(dir, 'run', 'train.jsonl'), '{"messages":[]}\n');
  cluster = await startFakeRayDashboard();
});

after(async () => {
  await cluster.close();
  await rm(dir, { recursive: true, force: true });
});

const backend = () => new RayTrainingBackend({ client: new RayJobsClient({ address: cluster.address, retry: { maxAttempts: 1 } }), trainerRoot: TRAINER_ROOT });

test('a one-worker training asks Ray for its GPUs for the entrypoint; several workers leave placement to Ray Train', async () => {
  const b = backend();
  const launchWith = async (workers: number, gpus_per_worker: number) => {
    await b.launch({ runDir: join(dir, 'run'), baseModel: '/models/m', hyperparameters: { learning_rate: 1e-4, lora_rank: 4, workers, gpus_per_worker, max_steps: 1 } });
    return cluster.submitted.at(-1)!;
  };
  assert.equal((await launchWith(1, 2)).entrypoint_num_gpus, 2);
  assert.equal((await launchWith(1, 0)).entrypoint_num_gpus, undefined);
  assert.equal((await launchWith(3, 1)).entrypoint_num_gpus, undefined);
  assert.deepEqual(trainingEntrypointResources({ workers: 1, gpus_per_worker: 1 }), { entrypoint_num_gpus: 1 });
});

test('the environment probe runs on a GPU node when the cluster has GPUs, anywhere otherwise', async () => {
  // The stand-in's jobs print nothing, so the probe ends with "could not run the trainer": what it submitted counts here.
  cluster.gpus = 2;
  await assert.rejects(backend().probeEnvironment(), /could not run the trainer/);
  assert.equal(cluster.submitted.at(-1)!.entrypoint_num_gpus, 1);
  cluster.gpus = 0;
  await assert.rejects(backend().probeEnvironment(), /could not run the trainer/);
  assert.equal(cluster.submitted.at(-1)!.entrypoint_num_gpus, undefined);
  assert.equal(clusterTotal({ GPU: [1, 4] }, 'GPU'), 4);
  assert.equal(clusterTotal(undefined, 'GPU'), 0);
});
