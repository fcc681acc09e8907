// A stand-in for a Ray cluster's dashboard: the Jobs REST endpoints RayJobsClient calls (packages, submit, job,
// logs, stop, list; the cluster status, CPU-only unless `gpus` is set), answering as Ray's job server does, with jobs whose status and log the test sets. It lets unit
// tests drive the Ray backend's own code (packaging, configs, log reading) without starting a cluster, and
// counts the log downloads. test/trainer-ts/rayBackend.test.ts runs the same backend against a real Ray head.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RayJobDetails, RaySubmitRequest } from '../../../src/core/jobs/backends/ray/rayJobsClient';

export interface FakeRayDashboard {
  address: string;
  packages: Map<string, Buffer>;
  jobs: Map<string, { details: RayJobDetails; log: string }>;
  submitted: RaySubmitRequest[];
  /** Job ids, one per GET /api/jobs/{id}/logs. */
  logDownloads: string[];
  /** The status a submitted job gets. */
  submitStatus: RayJobDetails['status'];
  /** GPUs in the cluster status (0: a CPU-only cluster). */
  gpus: number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeRayDashboard(): Promise<FakeRayDashboard> {
  const fake = { packages: new Map(), jobs: new Map(), submitted: [], logDownloads: [], submitStatus: 'SUCCEEDED', gpus: 0 } as unknown as FakeRayDashboard;
  const server = createServer((req, res) => {
    void body(req).then((data) => {
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const pkg = /^\/api\/packages\/(.+)$/.exec(path);
      if (pkg) {
        if (req.method === 'PUT') fake.packages.set(pkg[1]!, data);
        return fake.packages.has(pkg[1]!) ? send(200, {}) : send(404, { error: 'package not found' });
      }
      if (path === '/api/cluster_status') return send(200, { data: { clusterStatus: { loadMetricsReport: { usage: { CPU: [0, 4], ...(fake.gpus ? { GPU: [0, fake.gpus] } : {}) } } } } });
      if (path === '/api/jobs/' && req.method === 'GET') return send(200, [...fake.jobs.values()].map((j) => j.details));
      if (path === '/api/jobs/' && req.method === 'POST') {
        const r = JSON.parse(data.toString()) as RaySubmitRequest;
        const id = r.submission_id ?? `raysubmit_${fake.submitted.length}`;
        fake.submitted.push(r);
        fake.jobs.set(id, { details: { submission_id: id, status: fake.submitStatus, entrypoint: r.entrypoint, metadata: r.metadata ?? {}, start_time: Date.now() }, log: '' });
        return send(200, { submission_id: id });
      }
      const job = /^\/api\/jobs\/([^/]+)(\/logs|\/stop)?$/.exec(path);
      const j = job && fake.jobs.get(decodeURIComponent(job[1]!));
      if (!job || !j) return send(404, { error: 'job not found' });
      if (job[2] === '/logs') {
        fake.logDownloads.push(decodeURIComponent(job[1]!));
        return send(200, { logs: j.log });
      }
      if (job[2] === '/stop') {
        j.details.status = 'STOPPED';
        return send(200, { stopped: true });
      }
      return send(200, j.details);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}
