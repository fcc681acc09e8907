// The client against the sandbox: every endpoint, reuse of identical uploads, and retries proven by
// the sandbox's request counts (/sandbox/stats): what must not be retried was sent once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMistralConnection, type MistralConnection } from '../../../src/core/mistral/connection';
import { MistralError } from '../../../src/core/mistral/errors';
import { RetryPolicy } from '../../../src/core/mistral/retryPolicy';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { buildTrainingFixture, type TrainingFixture } from '../sandbox/trainingFixture';

let sandbox: Sandbox;
let dir: string;
let fixture: TrainingFixture;
let sleeps: number[];

/** A policy whose waits are recorded instead of slept: Retry-After is checked without timing. */
function recordingPolicy(opts: ConstructorParameters<typeof RetryPolicy>[0] = {}): RetryPolicy {
  return new RetryPolicy({ initialDelayMs: 10, maxAttempts: 4, ...opts }, async (ms) => {
    sleeps.push(ms);
  });
}

function connect(opts: Partial<Parameters<typeof createMistralConnection>[0]> = {}): MistralConnection {
  return createMistralConnection({ apiKey: sandbox.apiKey, serverUrl: sandbox.url, retry: recordingPolicy(), ...opts });
}

function count(route: string): number {
  return sandbox.stats().requests[route] ?? 0;
}

before(async () => {
  sandbox = await startSandbox({ port: 0, speed: 50 });
  dir = await mkdtemp(join(tmpdir(), 'pixtune-conn-'));
  fixture = await buildTrainingFixture(dir, { classes: ['forest', 'river', 'industrial'], perClass: 4, testPerClass: 2 });
});

after(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

test('models.list and visionModelIds', async () => {
  const conn = connect();
  const ids = await conn.models.visionModelIds();
  assert.ok(ids.includes('pixtral-12b-latest'));
  assert.ok(ids.includes('mistral-small-latest'));
});

test('upload streams with progress, and identical content is reused without a second upload', async () => {
  const conn = connect();
  const cachePath = join(dir, 'cache', 'uploads.json');
  const progress: number[] = [];
  sandbox.resetStats();
  const first = await conn.files.upload(fixture.trainPath, 'fine-tune', (p) => progress.push(p.done), undefined, { cachePath });
  const size = (await readFile(fixture.trainPath)).length;
  assert.equal(first.reused, false);
  assert.equal(first.file.bytes, size);
  assert.equal(first.file.num_lines, fixture.train.length);
  assert.equal(progress.at(-1), size);
  assert.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]!), 'progress never goes backwards');

  const second = await conn.files.upload(fixture.trainPath, 'fine-tune', undefined, undefined, { cachePath });
  assert.equal(second.reused, true);
  assert.equal(second.file.id, first.file.id);
  assert.equal(count('POST /v1/files'), 1, 'the second upload sent nothing');

  // Deleted on the server: the cache entry is stale, so the file is uploaded again.
  await conn.files.delete(first.file.id);
  const third = await conn.files.upload(fixture.trainPath, 'fine-tune', undefined, undefined, { cachePath });
  assert.equal(third.reused, false);
  assert.notEqual(third.file.id, first.file.id);

  // Without a cache, name+size matching finds the server's copy.
  const fourth = await conn.files.upload(fixture.trainPath, 'fine-tune', undefined, undefined, { matchByNameAndSize: true });
  assert.equal(fourth.reused, true);
  assert.equal(fourth.file.id, third.file.id);
});

test('files list/get/download/delete', async () => {
  const conn = connect();
  const up = await conn.files.upload(fixture.trainPath, 'batch');
  const list = await conn.files.list({ purpose: 'batch' });
  assert.ok((list.data ?? []).some((f) => f.id === up.file.id));
  assert.equal((await conn.files.get(up.file.id)).filename, 'train.jsonl');
  const dest = join(dir, 'downloaded.jsonl');
  await conn.files.download(up.file.id, dest);
  assert.deepEqual(await readFile(dest), await readFile(fixture.trainPath));
  assert.equal((await conn.files.delete(up.file.id)).deleted, true);
  await assert.rejects(conn.files.get(up.file.id), (e: MistralError) => e.kind === 'not-found');
});

test('chat and batch', async () => {
  const conn = connect();
  const res = await conn.chat.complete({
    model: 'mistral-small-latest',
    messages: [
      { role: 'system', content: fixture.systemPrompt },
      { role: 'user', content: [{ type: 'image_url', imageUrl: fixture.test[0]!.dataUrl }] },
    ],
  });
  assert.match(String(res.choices[0]?.message?.content), /"label"/);

  const inputPath = join(dir, 'b.jsonl');
  await writeFile(inputPath, fixture.test.map((t, i) => JSON.stringify({ custom_id: String(i), body: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: t.dataUrl }] }] } })).join('\n'));
  const input = await conn.files.upload(inputPath, 'batch');
  const job = await conn.batch.create({ inputFiles: [input.file.id], endpoint: '/v1/chat/completions', model: 'pixtral-12b-latest' });
  let b = job;
  for (let i = 0; i < 300 && b.status !== 'SUCCESS'; i++) {
    await new Promise((r) => setTimeout(r, 10));
    b = await conn.batch.get(job.id);
  }
  assert.equal(b.succeededRequests, fixture.test.length);
  assert.ok((await conn.batch.list()).data?.some((x) => x.id === job.id));
  const other = await conn.batch.create({ inputFiles: [input.file.id], endpoint: '/v1/chat/completions', model: 'pixtral-12b-latest' });
  assert.ok(['CANCELLATION_REQUESTED', 'CANCELLED'].includes((await conn.batch.cancel(other.id)).status));
});

test('429 is retried after exactly the Retry-After the server sent', async () => {
  sleeps = [];
  sandbox.resetStats();
  sandbox.faults.add({ kind: 'status', status: 429, pattern: '/v1/models', count: 2, value: 3 });
  await connect().models.list();
  assert.deepEqual(sleeps, [3000, 3000]);
  assert.equal(count('GET /v1/models'), 3);
});

test('a 500 and a dropped connection are retried; jobs client too', async () => {
  sleeps = [];
  sandbox.resetStats();
  sandbox.faults.add({ kind: 'status', status: 500, pattern: '/v1/files', count: 1 });
  sandbox.faults.add({ kind: 'drop', pattern: '/v1/fine_tuning/jobs', count: 1 });
  const conn = connect();
  await conn.files.list();
  await conn.jobs.list();
  assert.equal(count('GET /v1/files'), 2);
  assert.equal(count('GET /v1/fine_tuning/jobs'), 2);
  assert.equal(sleeps.length, 2);
});

test('an upload is retried from the first byte after a 503 and after a dropped connection', async () => {
  sleeps = [];
  sandbox.resetStats();
  sandbox.faults.add({ kind: 'status', status: 503, pattern: '/v1/files', method: 'POST', count: 1 });
  sandbox.faults.add({ kind: 'drop', pattern: '/v1/files', method: 'POST', count: 1 });
  const seen: number[] = [];
  const res = await connect().files.upload(fixture.trainPath, 'batch', (p) => seen.push(p.done));
  assert.equal(res.file.bytes, (await readFile(fixture.trainPath)).length);
  assert.equal(count('POST /v1/files'), 3);
  assert.equal(sleeps.length, 2);
  assert.deepEqual(await readFile(fixture.trainPath), Buffer.from(await new Response(await connect().files.content(res.file.id)).arrayBuffer()));
});

test('4xx answers are not retried', async () => {
  sandbox.resetStats();
  const conn = connect();
  await assert.rejects(
    conn.chat.complete({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    (e: MistralError) => e.kind === 'model-unavailable' && /no-such-model/.test(e.message) && /pixtral-12b-latest/.test(e.message),
  );
  await assert.rejects(conn.jobs.get('00000000-0000-4000-8000-000000000000'), (e: MistralError) => e.kind === 'not-found');
  await assert.rejects(connect({ apiKey: 'wrong-key' }).files.list(), (e: MistralError) => e.kind === 'auth');
  assert.equal(count('POST /v1/chat/completions'), 1);
  assert.equal(count('GET /v1/fine_tuning/jobs/{job_id}'), 1);
  assert.equal(count('GET /v1/files'), 1);
});

test('retries give up after maxAttempts with a plain server error', async () => {
  sandbox.resetStats();
  sandbox.faults.add({ kind: 'status', status: 503, pattern: '/v1/batch/jobs', count: 3 });
  await assert.rejects(connect({ retry: recordingPolicy({ maxAttempts: 3 }) }).batch.list(), (e: MistralError) => e.kind === 'server' && e.status === 503);
  assert.equal(count('GET /v1/batch/jobs'), 3);
});

test('a timed-out GET is retried; a timed-out chat (not idempotent) is not', async () => {
  sandbox.resetStats();
  sandbox.faults.add({ kind: 'delay', pattern: '/v1/models', count: 1, value: 1500 });
  sandbox.faults.add({ kind: 'delay', pattern: '/v1/chat/completions', count: 1, value: 1500 });
  const conn = connect({ retry: recordingPolicy({ timeoutMs: 300 }) });
  await conn.models.list();
  assert.equal(count('GET /v1/models'), 2);
  await assert.rejects(
    conn.chat.complete({ model: 'pixtral-12b-latest', messages: [{ role: 'user', content: 'hi' }] }),
    (e: MistralError) => e.kind === 'timeout' && e.message.includes('/v1/chat/completions'),
  );
  assert.equal(count('POST /v1/chat/completions'), 1);
});

test('the caller cancelling stops the call and is not reported as a failure', async () => {
  const controller = new AbortController();
  sandbox.faults.add({ kind: 'delay', pattern: '/v1/files', count: 1, value: 1000 });
  const pending = connect().files.list({}, controller.signal);
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(pending, (e: Error) => e.name === 'AbortError' && !(e instanceof MistralError));
});
