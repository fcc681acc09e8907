// A running Ray job's log followed through the dashboard's websocket, against a real local Ray head: the stream
// delivers the log from its first line and then as it grows, ends with the job, and matches the REST API's log.
// A backend that follows a job (watch) reads it from the stream instead of downloading the whole log at each
// poll: measured with a byte-counting TCP relay between the client and the dashboard.
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { RayTrainingBackend } from '../../src/core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../../src/core/jobs/backends/ray/rayJobsClient';
import { RayLogFollower } from '../../src/core/jobs/backends/ray/rayLogFollower';
import { projectPython, sleep, TRAINER_ROOT, waitFor } from './fixtures';
import { startRayHead, type RayHead } from './rayHead';

let head: RayHead | undefined;

before(async () => {
  head = await startRayHead(await projectPython());
});

after(async () => {
  await head?.stop();
});

/** A job that prints `big` lines of 100 characters at once, then one short line every 0.3 s for `seconds`. */
function slowPrinter(big: number, seconds: number): string {
  const code = `import sys,time\nfor i in range(${big}): print('x' * 96, '%03d' % (i % 1000))\nsys.stdout.flush()\nfor i in range(${Math.round(seconds / 0.3)}):\n  print('tick', i, flush=True); time.sleep(0.3)\nprint('done', flush=True)`;
  return `python -c "import base64; exec(base64.b64decode('${Buffer.from(code).toString('base64')}'))"`;
}

/** Relays TCP to the dashboard and counts the bytes that come back. */
async function countingRelay(target: string): Promise<{ address: string; received: () => number; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  let received = 0;
  const server: Server = createServer((down) => {
    const up = createConnection({ host: hostname, port: Number(port) });
    up.on('data', (d: Buffer) => (received += d.length));
    down.pipe(up).pipe(down);
    const end = () => {
      up.destroy();
      down.destroy();
    };
    up.on('error', end);
    down.on('error', end);
    up.on('close', end);
    down.on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received: () => received,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.emit('close');
    }),
  };
}

test('the stream delivers the log from its first line as it grows, ends with the job, and equals the REST log', { timeout: 120_000 }, async () => {
  const client = new RayJobsClient({ address: head!.address });
  const id = await client.submit({ entrypoint: slowPrinter(20, 3) });
  let changes = 0;
  const failures: string[] = [];
  const follower = new RayLogFollower(client.logTailTarget(id), { onChange: () => changes++, onFailure: (r) => failures.push(r), quietMs: 50 });
  try {
    await waitFor(async () => follower.text, (t) => t.includes('tick 1'), 60_000, 'the first ticks in the stream');
    assert.equal(follower.state, 'open');
    assert.ok(follower.text.includes(`${'x'.repeat(96)} 000\n`), 'the stream starts at the log\'s first line');
    assert.ok(!follower.text.includes('done'), 'and arrives while the job runs');
    await waitFor(async () => follower.state, (s) => s === 'ended', 60_000, 'the stream to end with the job');
    assert.deepEqual(failures, []);
    assert.ok(changes >= 2, `onChange fired ${changes} times`);
    const rest = await client.logs(id);
    assert.equal(follower.text, rest);
  } finally {
    follower.close();
  }
});

test('a backend that follows a running job reads its log from the stream, not whole at every poll', { timeout: 180_000 }, async () => {
  const relay = await countingRelay(head!.address);
  try {
    const client = new RayJobsClient({ address: relay.address });
    // ~200 KB of log up front, then the job keeps running for a while.
    const submitted = async () => client.submit({ entrypoint: slowPrinter(2000, 12), metadata: { pixtune: '1' } });
    const pollBytes = async (backend: RayTrainingBackend, id: string, follow: boolean): Promise<number> => {
      await waitFor(() => backend.get(id), (v) => v.status === 'RUNNING', 60_000, 'the job to run');
      const handle = follow ? backend.watch(id, () => undefined) : undefined;
      try {
        if (follow) await sleep(2000); // the stream catches up with the log written so far
        const start = relay.received();
        for (let i = 0; i < 8; i++) {
          const v = await backend.get(id);
          assert.equal(v.status, 'RUNNING', 'still running while measured');
          await sleep(250);
        }
        return relay.received() - start;
      } finally {
        handle?.dispose();
        await client.stop(id).catch(() => undefined);
      }
    };
    const polled = await pollBytes(new RayTrainingBackend({ client, trainerRoot: TRAINER_ROOT }), await submitted(), false);
    const followed = await pollBytes(new RayTrainingBackend({ client, trainerRoot: TRAINER_ROOT }), await submitted(), true);
    console.log(`8 polls of a running job with ~200 KB of log: ${polled} bytes read whole, ${followed} bytes followed`);
    assert.ok(polled > 8 * 190_000, `whole-log polls downloaded ${polled} bytes`);
    assert.ok(followed < polled / 5, `followed polls downloaded ${followed} bytes against ${polled}`);
  } finally {
    await relay.close();
  }
});

test('a stream that cannot be followed says so and the backend reads the log whole', { timeout: 60_000 }, async () => {
  const client = new RayJobsClient({ address: head!.address });
  const failures: string[] = [];
  const follower = new RayLogFollower(client.logTailTarget('no-such-job'), { onFailure: (r) => failures.push(r) });
  try {
    await waitFor(async () => follower.state, (s) => s === 'failed' || s === 'ended', 30_000, 'the refused stream');
    assert.equal(follower.state, 'failed');
    assert.match(failures[0] ?? '', /404/);
    assert.equal(follower.usable, false);
  } finally {
    follower.close();
  }
});
