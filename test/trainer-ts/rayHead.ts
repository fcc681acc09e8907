// A real local Ray head for the tests, from the project's trainer environment: started with its dashboard
// on free ports (never Ray's fixed defaults, so it can run beside another head on this machine), with a
// HOME of its own (Ray reads and writes ~/.ray/auth_token) and an explicit RAY_AUTH_MODE, in one temp
// folder. Stopping ends exactly the processes this head started: its process group (`ray start --block`
// and what it spawned), then any process whose command line or working directory is inside the temp
// folder (job drivers run in their own sessions). `ray stop` is not used: it stops every Ray on the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RayHead {
  address: string;
  /** Set when started with token authentication. */
  token?: string;
  /** A folder inside the head's temp folder, for job outputs (cleaned up with it). */
  storagePath: string;
  dir: string;
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function processesInside(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => '');
    if (cmd.includes(dir) || cwd.startsWith(dir)) pids.push(Number(name));
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRayHead(python: string, opts: { token?: boolean; numCpus?: number } = {}): Promise<RayHead> {
  // Short: Ray's unix socket paths live below it and must stay under 107 characters.
  const dir = await mkdtemp(join(tmpdir(), 'pxray-'));
  const [gcs, dashboard, client, agent] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const token = opts.token ? randomBytes(24).toString('hex') : undefined;
  const bin = dirname(python);
  const logPath = join(dir, 'ray-start.log');
  const { openSync, closeSync } = await import('node:fs');
  const logFd = openSync(logPath, 'a');
  const args = [
    'start', '--head', '--block',
    '--dashboard-host', '127.0.0.1', '--dashboard-port', String(dashboard),
    '--port', String(gcs), '--ray-client-server-port', String(client), '--dashboard-agent-listen-port', String(agent),
    '--num-cpus', String(opts.numCpus ?? 2), '--temp-dir', join(dir, 'ray'), '--include-dashboard', 'true', '--disable-usage-stats',
  ];
  let child: ChildProcess;
  try {
    child = spawn(join(bin, 'ray'), args, {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: {
        ...process.env,
        // As an activated venv: job entrypoints find the environment's `python`.
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: join(dir, 'home'),
        RAY_AUTH_MODE: token ? 'token' : 'disabled',
        ...(token ? { RAY_AUTH_TOKEN: token } : {}),
        RAY_USAGE_STATS_ENABLED: '0',
        // The dashboard must not think a CPU-only test machine is short of memory and kill the trainer.
        RAY_memory_monitor_refresh_ms: '0',
      },
    });
  } finally {
    closeSync(logFd);
  }
  const address = `http://127.0.0.1:${dashboard}`;
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    for (let i = 0; i < 20 && !exited; i++) await sleep(250);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    // Job drivers and workers run in sessions of their own: end those that belong to this head.
    for (let round = 0; round < 5; round++) {
      const left = await processesInside(dir);
      if (!left.length) break;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await sleep(300);
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  // Ready when the job API answers: the dashboard's job module needs the node's agent, which comes last.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await stop();
      throw new Error(`ray start exited early:\n${log.slice(-2000)}`);
    }
    try {
      const res = await fetch(`${address}/api/jobs/`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await stop();
      throw new Error(`The Ray head did not answer within 120 s:\n${log.slice(-2000)}`);
    }
    await sleep(500);
  }
  return { address, token, storagePath: join(dir, 'jobs'), dir, log: () => readFile(logPath, 'utf8').catch(() => ''), stop };
}
