// What the user reads when a call fails: one sentence, an action, a kind — and never the key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMistralConnection } from '../../../src/core/mistral/connection';
import { CLI_KEY_ACTION, MistralError, errorFromHttp, redactSecret } from '../../../src/core/mistral/errors';
import { RetryPolicy } from '../../../src/core/mistral/retryPolicy';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';

const KEY = 'sk-Distinctive-Key-4f9a7c2e1b';
let retired: Sandbox;
let rejecting: Sandbox;

const quickRetry = () => new RetryPolicy({ maxAttempts: 3, initialDelayMs: 1 });

before(async () => {
  retired = await startSandbox({ port: 0, fineTuning: 'retired', apiKey: KEY });
  rejecting = await startSandbox({ port: 0, fineTuning: 'rejecting', apiKey: KEY });
});

after(async () => {
  await retired.close();
  await rejecting.close();
});

test('401: the key was rejected, with the action to set it again', async () => {
  const conn = createMistralConnection({ apiKey: 'not-the-key', serverUrl: retired.url, keyAction: CLI_KEY_ACTION, retry: quickRetry() });
  await assert.rejects(conn.models.list(), (e: MistralError) => {
    assert.equal(e.kind, 'auth');
    assert.equal(e.message, 'The API key was rejected.');
    assert.equal(e.action, CLI_KEY_ACTION);
    return true;
  });
  const ext = createMistralConnection({ apiKey: 'not-the-key', serverUrl: retired.url, retry: quickRetry() });
  await assert.rejects(ext.jobs.list(), (e: MistralError) => e.kind === 'auth' && e.action === 'Run Pixtune: Set API Key.');
});

test('retired fine-tuning (410): raised once, not retried, then remembered without further requests', async () => {
  retired.resetStats();
  const conn = createMistralConnection({ apiKey: KEY, serverUrl: retired.url, retry: quickRetry() });
  assert.equal(conn.jobs.availability, 'unknown');
  await assert.rejects(conn.jobs.list(), (e: MistralError) => {
    assert.equal(e.kind, 'fine-tuning-unavailable');
    assert.equal(e.status, 410);
    assert.match(e.message, /retired hosted fine-tuning in 2026/);
    assert.match(e.action ?? '', /sandbox/);
    assert.match(e.action ?? '', /evaluation of base and existing fine-tuned models/);
    // The way out names the backends that train today (issue 9).
    assert.match(e.action ?? '', /on this machine or on a Ray cluster/);
    return true;
  });
  assert.equal(conn.jobs.availability, 'unavailable');
  await assert.rejects(conn.jobs.get('x'), (e: MistralError) => e.kind === 'fine-tuning-unavailable');
  await assert.rejects(conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: 'f' }], hyperparameters: {} }), (e: MistralError) => e.kind === 'fine-tuning-unavailable');
  assert.deepEqual(retired.stats().requests, { 'GET /v1/fine_tuning/jobs': 1 });
  // Everything else still works on the same server.
  assert.ok((await conn.models.visionModelIds()).length > 0);
});

test('the March-2026 answer (422 "Model not available for this type of fine-tuning") is fine-tuning-unavailable too', async () => {
  const conn = createMistralConnection({ apiKey: KEY, serverUrl: rejecting.url, retry: quickRetry() });
  await assert.rejects(
    conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: 'f' }], hyperparameters: { epochs: 1 } }),
    (e: MistralError) => e.kind === 'fine-tuning-unavailable' && e.status === 422 && /Model not available/.test(e.message),
  );
  assert.equal(rejecting.stats().requests['POST /v1/fine_tuning/jobs'], 1);
});

test('other 422s show the server validation message with its location', async () => {
  const conn = createMistralConnection({ apiKey: KEY, serverUrl: rejecting.url, retry: quickRetry() });
  // The SDK drops unknown fields before sending, so this goes through our own transport.
  const { z } = await import('zod');
  await assert.rejects(
    conn.transport.json('POST', '/v1/chat/completions', z.unknown(), { model: 'pixtral-12b-latest', messages: [{ role: 'user', content: 'hi' }], unknownField: 1 }),
    (e: MistralError) => e.kind === 'validation' && /unknownField: Extra inputs are not permitted/.test(e.message),
  );
});

test('a retired model on chat names the model and lists current vision models', async () => {
  const conn = createMistralConnection({ apiKey: KEY, serverUrl: rejecting.url, retry: quickRetry() });
  await assert.rejects(conn.chat.complete({ model: 'pixtral-12b-2409', messages: [{ role: 'user', content: 'hi' }] }), (e: MistralError) => {
    assert.equal(e.kind, 'model-unavailable');
    assert.match(e.message, /"pixtral-12b-2409"/);
    assert.match(e.message, /Current vision models: .*pixtral-12b-latest.*mistral-small-latest/);
    return true;
  });
});

test('an unreachable server is named by host and path, without the key', async () => {
  // Bind then close a port so nothing listens there.
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const conn = createMistralConnection({ apiKey: KEY, serverUrl: `http://127.0.0.1:${port}`, retry: quickRetry() });
  for (const call of [() => conn.models.list(), () => conn.jobs.list()]) {
    await assert.rejects(call(), (e: MistralError) => {
      assert.equal(e.kind, 'unreachable');
      assert.match(e.message, new RegExp(`Could not reach 127\\.0\\.0\\.1:${port}/v1/(models|fine_tuning/jobs)`));
      assert.ok(!JSON.stringify([e.message, e.action, e.detail]).includes(KEY));
      return true;
    });
  }
});

test('a server that echoes the key back never gets it into the error', async () => {
  let server: Server | undefined;
  try {
    server = createServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'error', message: `bad request from ${req.headers.authorization}; key=${KEY}`, type: 'invalid_request_error' }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const conn = createMistralConnection({ apiKey: KEY, serverUrl: url, retry: quickRetry() });
    for (const call of [() => conn.models.list(), () => conn.jobs.list(), () => conn.files.list()]) {
      const err = (await call().catch((e: unknown) => e)) as MistralError;
      assert.ok(err instanceof MistralError);
      const text = JSON.stringify({ m: err.message, a: err.action, d: err.detail, s: err.stack });
      assert.ok(!text.includes(KEY), text);
      assert.match(err.message, /\[redacted\]/);
    }
  } finally {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }
});

test('errorFromHttp: shapes of the wild', () => {
  const base = { url: 'https://api.mistral.ai/v1/fine_tuning/jobs/abc', keyAction: 'x' };
  assert.equal(errorFromHttp({ ...base, status: 404, family: 'jobs', body: { detail: 'No fine tuning job matches the given query.' } }).kind, 'not-found');
  assert.equal(errorFromHttp({ ...base, status: 404, family: 'jobs', body: { detail: 'Not Found' } }).kind, 'fine-tuning-unavailable');
  assert.equal(errorFromHttp({ ...base, status: 403, family: 'jobs', body: {} }).kind, 'fine-tuning-unavailable');
  assert.equal(errorFromHttp({ ...base, status: 403, family: 'other', body: {} }).kind, 'http');
  const wrapped = errorFromHttp({ ...base, status: 422, family: 'other', body: { object: 'error', message: { detail: [{ loc: ['body', 'max_tokens'], msg: 'Input should be a valid integer' }] } } });
  assert.match(wrapped.message, /max_tokens: Input should be a valid integer/);
  assert.equal(errorFromHttp({ ...base, status: 429, family: 'other', body: { message: 'Requests rate limit exceeded' } }).kind, 'rate-limited');
  assert.equal(errorFromHttp({ ...base, status: 502, family: 'other', body: 'Bad gateway' }).kind, 'server');
});

test('redactSecret removes the key and bearer tokens', () => {
  assert.equal(redactSecret(`a ${KEY} b ${KEY}`, KEY), 'a [redacted] b [redacted]');
  assert.equal(redactSecret('Authorization: Bearer abcdefgh1234', undefined), 'Authorization: Bearer [redacted]');
});

test('anything else a call throws is wrapped and redacted; cancellation passes through', async () => {
  const { finalError, MistralError } = await import('../../../src/core/mistral/errors');
  const key = 'sk-leaky-123456789';
  const wrapped = finalError(new Error(`SDK exploded while sending Bearer ${key}`), 'https://api.mistral.ai/v1/models', key);
  assert.ok(wrapped instanceof MistralError);
  assert.ok(!(wrapped as Error).message.includes(key) && !((wrapped as InstanceType<typeof MistralError>).detail ?? '').includes(key));
  assert.match((wrapped as Error).message, /api\.mistral\.ai\/v1\/models/);
  const abort = new DOMException('stopped', 'AbortError');
  assert.equal(finalError(abort, 'https://api.mistral.ai/v1/models', key), abort);
});
