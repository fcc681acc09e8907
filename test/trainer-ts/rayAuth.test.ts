// Ray's token authentication (on by default for local clusters since Ray 2.59), against a real head started
// with RAY_AUTH_MODE=token: without the token every call is refused with a sentence that says what to do;
// a wrong token is refused; with the token the package upload and the submit work. The token never
// appears in an error.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RayTrainingBackend } from '../../src/core/jobs/backends/ray/rayBackend';
import { RayError, RayJobsClient } from '../../src/core/jobs/backends/ray/rayJobsClient';
import { RayLogFollower } from '../../src/core/jobs/backends/ray/rayLogFollower';
import { makeToyRun, projectPython, TRAINER_ROOT, waitFor } from './fixtures';
import { startRayHead, type RayHead } from './rayHead';

let head: RayHead | undefined;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-rayauth-'));
  const python = await projectPython();
  [head] = await Promise.all([startRayHead(python, { token: true }), makeToyRun(join(dir, 'run'), { train: 2, validation: 0, test: 1 })]);
});

after(async () => {
  await head?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function assertNoToken(err: unknown): void {
  const text = JSON.stringify({ m: (err as Error).message, a: (err as RayError).action, d: (err as RayError).detail });
  assert.ok(!text.includes(head!.token!), 'the token must not appear in an error');
}

test('without the token: refused, with the way out', async () => {
  const client = new RayJobsClient({ address: head!.address, retry: { maxAttempts: 1 } });
  await assert.rejects(client.list(), (err: unknown) => {
    assert.ok(err instanceof RayError);
    assert.equal(err.kind, 'auth');
    assert.match(err.message, /asks for a token/);
    assert.match(err.action ?? '', /RAY_AUTH_TOKEN/);
    return true;
  });
});

test('a wrong token: refused, and neither token is repeated back', async () => {
  const client = new RayJobsClient({ address: head!.address, token: 'not-the-token', retry: { maxAttempts: 1 } });
  await assert.rejects(client.submit({ entrypoint: 'echo hi' }), (err: unknown) => {
    assert.ok(err instanceof RayError && err.kind === 'auth');
    assert.match(err.message, /refused the token/);
    assert.ok(!JSON.stringify({ m: err.message, d: err.detail }).includes('not-the-token'));
    assertNoToken(err);
    return true;
  });
});

test('with the token: the package goes up, the job is submitted and followed to its end', { timeout: 120_000 }, async () => {
  const client = new RayJobsClient({ address: head!.address, token: head!.token });
  assert.match((await client.version()).ray_version, /^2\./);
  const backend = new RayTrainingBackend({ client, trainerRoot: TRAINER_ROOT, storagePath: head!.storagePath });
  // A base model that does not exist: the trainer starts, fails fast, and says why; enough to prove the round trip.
  const v = await backend.launch({ runDir: join(dir, 'run'), baseModel: '/nonexistent/model', hyperparameters: { max_steps: 1, learning_rate: 1e-4, lora_rank: 4, workers: 1, gpus_per_worker: 0 } });
  const done = await waitFor(() => backend.get(v.id), (j) => j.status === 'FAILED' || j.status === 'SUCCESS', 100_000, 'the job to end');
  assert.equal(done.status, 'FAILED');
  assert.match(done.logTail ?? '', /nonexistent/);
  assert.ok((await backend.list()).some((j) => j.id === v.id));
});

test('the log stream: with the token it follows a job; without, it fails with the status and no token', { timeout: 120_000 }, async () => {
  const client = new RayJobsClient({ address: head!.address, token: head!.token });
  const id = await client.submit({ entrypoint: 'echo streamed-with-token' });
  const withToken = new RayLogFollower(client.logTailTarget(id));
  const refused: string[] = [];
  const anonymous = new RayLogFollower(new RayJobsClient({ address: head!.address }).logTailTarget(id), { onFailure: (r) => refused.push(r) });
  try {
    await waitFor(async () => withToken.text, (t) => t.includes('streamed-with-token'), 60_000, 'the job\'s line in the stream');
    await waitFor(async () => anonymous.state, (s) => s === 'failed', 30_000, 'the stream without the token to be refused');
    assert.match(refused[0] ?? '', /401/);
    assert.ok(!refused.join(' ').includes(head!.token!));
  } finally {
    withToken.close();
    anonymous.close();
  }
});
