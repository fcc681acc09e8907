// Where Ray runs a job's entrypoint: a one-worker training (the trainer trains in the entrypoint) asks for its
// worker's GPUs, so Ray does not run it on the CPU-only head; the environment probe asks for a GPU when the
// cluster has one. The backend and client are the real ones; the cluster is a small HTTP server answering the
// Ray Jobs REST endpoints they call and recording each submitted job.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { clusterTotal, trainingEntrypointResources } from '../../../src/core/jobs/backends/ray/entrypointResources';
import { RayTrainingBackend } from '../../../src/core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../../../src/core/jobs/backends/ray/rayJobsClient';

const TRAINER_ROOT = join(__dirname, '..', '..', '..', 'src', 'trainer');
let dir: string;
let server: Server;
let address: string;
const cluster = { gpus: 0, submitted: [] as Record<string, unknown>[] };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-ray-resources-'));
  await mkdir(join(dir, 'run'));
  await writeFile(join(dir, 'run', 'train.jsonl'), '{"messages":[]}\n');
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      const send = (v: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      const job = /^\/api\/jobs\/([^/?]+)/.exec(url)?.[1];
      if (url.startsWith('/api/packages/')) return send({});
      if (url === '/api/cluster_status') return send({ data: { clusterStatus: { loadMetricsReport: { usage: { CPU: [0, 8], ...(cluster.gpus ? { GPU: [0, cluster.gpus] } : {}) } } } } });
      if (req.method === 'POST' && url === '/api/jobs/') {
        const r = JSON.parse(body) as Record<string, unknown>;
        cluster.submitted.push(r);
        return send({ submission_id: r.submission_id ?? `probe-${cluster.submitted.length}` });
      }
      if (job && url.includes('/logs')) return send({ logs: '{"python": "3.12", "gpus": 0}\n' });
      if (job && req.method === 'DELETE') return send({ deleted: true });
      if (job) return send({ submission_id: job, status: 'SUCCEEDED', entrypoint: 'python', metadata: (cluster.submitted.at(-1)?.metadata as Record<string, string>) ?? {} });
      res.writeHead(404).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

const backend = () => new RayTrainingBackend({ client: new RayJobsClient({ address, retry: { maxAttempts: 1 } }), trainerRoot: TRAINER_ROOT });

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
  cluster.gpus = 2;
  await backend().probeEnvironment();
  assert.equal(cluster.submitted.at(-1)!.entrypoint_num_gpus, 1);
  cluster.gpus = 0;
  await backend().probeEnvironment();
  assert.equal(cluster.submitted.at(-1)!.entrypoint_num_gpus, undefined);
  assert.equal(clusterTotal({ GPU: [1, 4] }, 'GPU'), 4);
  assert.equal(clusterTotal(undefined, 'GPU'), 0);
});
