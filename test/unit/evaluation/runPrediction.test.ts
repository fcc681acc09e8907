// Prediction runs against a real sandbox: resume after interruption (nothing asked twice, no duplicate
// lines — counted by the sandbox itself), Retry-After honoured, failed lines retried, preflight errors
// that write nothing, the OpenAI-compatible flavour with structured output, and batch mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runPrediction, type RunPredictionOptions } from '../../../src/core/evaluation/runPrediction';
import { predictionsPath } from '../../../src/core/evaluation/predictionsFile';
import { batchStatePath } from '../../../src/core/evaluation/batchPrediction';
import { importPredictions } from '../../../src/core/evaluation/importPredictions';
import { predictionLockPath } from '../../../src/core/evaluation/predictionLock';
import { loadRunForEvaluation, testBatchLines } from '../../../src/core/evaluation/runContext';
import { createMistralConnection } from '../../../src/core/mistral/connection';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { makeRun, type RunFixture } from './runFixture';

let sandbox: Sandbox;
let fx: RunFixture;
const FAST_RETRY = { initialDelayMs: 20, maxDelayMs: 100, jitter: 0 };

before(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: 'sandbox', speed: 20 });
  fx = await makeRun({ perClass: 12 }); // 5 classes × 6 test images = 30
});
after(async () => {
  await sandbox.close();
  await fx.cleanup();
});

const opts = (model: string, extra: Partial<RunPredictionOptions> = {}): RunPredictionOptions => ({
  runDir: fx.runDir, model, provider: 'mistral', serverUrl: sandbox.url, apiKey: 'sandbox', mode: 'live', retry: FAST_RETRY, ...extra,
});

async function fileLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
}

const chatCount = (model: string, route = 'POST /v1/chat/completions') => sandbox.stats().models[route]?.[model] ?? 0;

test('interrupted run resumes: every image asked exactly once, one line per image', async () => {
  const model = 'pixtral-12b-latest';
  const stop = new AbortController();
  let progressEvents = 0;
  await assert.rejects(
    runPrediction(opts(model, { concurrency: 4 }), {
      signal: stop.signal,
      onProgress: (p) => {
        progressEvents++;
        if (p.done >= 7) stop.abort();
      },
    }),
    (err: Error) => err.name === 'AbortError',
  );
  const file = predictionsPath(fx.runDir, model);
  const partial = await fileLines(file);
  assert.ok(partial.length >= 7 && partial.length < 30, `${partial.length} lines after the cancel`);
  assert.equal(chatCount(model), partial.length, 'every request that was sent was written (in-flight answers are drained)');
  // A crash mid-append leaves a torn line: the next run cuts it off.
  await appendFile(file, '{"custom_id": "torn", "pat');

  const seen: number[] = [];
  const result = await runPrediction(opts(model, { concurrency: 4 }), { onProgress: (p) => seen.push(p.done) });
  assert.equal(result.total, 30);
  assert.equal(result.done, 30);
  assert.equal(result.errors, 0);
  assert.equal(chatCount(model), 30, 'nothing asked twice');
  const lines = await fileLines(file);
  assert.equal(lines.length, 30);
  assert.equal(new Set(lines.map((l) => (JSON.parse(l) as { custom_id: string }).custom_id)).size, 30, 'no duplicate lines');
  assert.equal(seen[0], partial.length, 'progress starts where the last run stopped');
  assert.ok(progressEvents > 0);
  assert.ok(result.report.invalidRate > 0 || result.report.accuracy < 1, 'the base model makes mistakes');
  assert.ok(result.report.latencyMs && result.report.latencyMs.p50 > 0);
  assert.ok(result.report.tokens.prompt > 0);

  const again = await runPrediction(opts(model));
  assert.equal(again.done, 30);
  assert.equal(chatCount(model), 30, 'a finished run asks nothing');
});

test('429 with Retry-After: the pool waits the advised time, then every image is answered once', async () => {
  const model = 'mistral-small-latest';
  sandbox.faults.add({ kind: 'status', status: 429, pattern: '/v1/chat/completions', count: 2, value: 1 });
  const before = sandbox.stats().requests['POST /v1/chat/completions'] ?? 0;
  const t0 = performance.now();
  const result = await runPrediction(opts(model, { concurrency: 8 }));
  const ms = performance.now() - t0;
  assert.equal(result.done, 30);
  assert.equal(result.errors, 0);
  assert.ok(ms >= 1000, `took ${ms.toFixed(0)} ms: Retry-After: 1 was honoured`);
  assert.equal((sandbox.stats().requests['POST /v1/chat/completions'] ?? 0) - before, 32, '30 answers + 2 refused');
  assert.equal(chatCount(model), 30);
});

test('requests that fail for good become error lines, and the next run retries exactly those', async () => {
  const model = 'mistral-medium-latest';
  sandbox.faults.add({ kind: 'status', status: 503, pattern: '/v1/chat/completions', count: 3 });
  const first = await runPrediction(opts(model, { concurrency: 1, retry: { ...FAST_RETRY, maxAttempts: 1 } }));
  assert.equal(first.errors, 3);
  assert.equal(first.done, 27);
  assert.ok(first.report.errorRate > 0);
  const second = await runPrediction(opts(model));
  assert.equal(second.errors, 0);
  assert.equal(second.done, 30);
  assert.equal(chatCount(model), 27 + 3, 'only the failed three were asked again');
  assert.equal((await fileLines(predictionsPath(fx.runDir, model))).length, 30, 'compacted: one line per image');
});

async function writesNothing(model: string, o: Partial<RunPredictionOptions>, message: RegExp): Promise<void> {
  await assert.rejects(runPrediction(opts(model, o)), (err: Error) => {
    assert.match(err.message, message);
    return true;
  });
  await assert.rejects(stat(predictionsPath(fx.runDir, model)), /ENOENT/, 'no predictions file');
  assert.equal(chatCount(model), 0, 'no image was sent');
}

test('preflight: unknown, retired, text-only model, rejected key, server down — a clear error and nothing written', async () => {
  await writesNothing('pixtral-large-nonexistent', {}, /"pixtral-large-nonexistent" is not available on 127\.0\.0\.1:\d+/);
  await writesNothing('pixtral-12b-2409', {}, /is not available/);
  await writesNothing('codestral-latest', {}, /cannot see images/);
  await writesNothing('pixtral-12b', { apiKey: 'wrong-key' }, /API key was rejected/);
  const closed = await startSandbox({ port: 0, apiKey: 'sandbox' });
  const url = closed.url;
  await closed.close();
  await writesNothing('pixtral-12b', { serverUrl: url, retry: { maxAttempts: 1 } }, /Could not reach 127\.0\.0\.1/);
  await writesNothing('pixtral-12b', { provider: 'openai', serverUrl: `${sandbox.url}/openai/v1` }, /"pixtral-12b" is not served by 127\.0\.0\.1:\d+\/openai\/v1/);
  // A key is never sent in clear text to another machine, on either path.
  await writesNothing('pixtral-12b', { serverUrl: 'http://192.0.2.1:8000' }, /uses http:\/\/ to another machine/);
  await writesNothing('pixtral-12b', { provider: 'openai', serverUrl: 'http://192.0.2.1:8000/v1' }, /uses http:\/\/ to another machine/);
});

test('OpenAI-compatible server with structured output: labels constrained to the class list', async () => {
  const model = 'pixtral-12b-latest';
  const result = await runPrediction(opts(model, { provider: 'openai', serverUrl: `${sandbox.url}/openai/v1`, structuredOutput: true, runDir: fx.runDir }), {});
  // Same model id as the Mistral run above → same file, already complete: use a fresh run for a real count.
  assert.equal(result.done, 30);
  const fresh = await makeRun({ perClass: 12, template: 'compact' });
  try {
    const r = await runPrediction({ ...opts(model), runDir: fresh.runDir, provider: 'openai', serverUrl: `${sandbox.url}/openai`, structuredOutput: true });
    assert.equal(r.done, 30);
    assert.equal(r.report.invalidRate, 0, 'the schema enum leaves no room for invented labels');
    assert.equal(chatCount(model, 'POST /openai/v1/chat/completions'), 30);
    const line = JSON.parse((await fileLines(r.file))[0]!) as { raw: string };
    assert.doesNotMatch(line.raw, /```/, 'structured answers are bare JSON');
  } finally {
    await fresh.cleanup();
  }
});

test('batch mode: one job for the images not answered yet; an interrupted poll resumes the same job', async () => {
  const model = 'ft:unknown-but-checked-first';
  await writesNothing(model, { mode: 'batch' }, /is not available/);

  const fresh = await makeRun({ perClass: 12 });
  try {
    const m = 'mistral-medium-latest';
    const stop = new AbortController();
    const o = { ...opts(m, { mode: 'batch', pollMs: 20 }), runDir: fresh.runDir };
    const jobsBefore = sandbox.stats().requests['POST /v1/batch/jobs'] ?? 0;
    const linesBefore = sandbox.stats().models.batch?.[m] ?? 0;
    await assert.rejects(runPrediction(o, { signal: stop.signal, onProgress: () => stop.abort() }), (e: Error) => e.name === 'AbortError');
    const state = JSON.parse(await readFile(batchStatePath(predictionsPath(fresh.runDir, m)), 'utf8')) as { jobId: string };
    assert.ok(state.jobId);
    const r = await runPrediction(o);
    assert.equal(r.done, 30);
    assert.equal((sandbox.stats().requests['POST /v1/batch/jobs'] ?? 0) - jobsBefore, 1, 'the same job was picked up again');
    assert.equal((sandbox.stats().models.batch?.[m] ?? 0) - linesBefore, 30, 'each image answered once by the batch');
    await assert.rejects(stat(batchStatePath(r.file)), /ENOENT/, 'the job state is removed once joined');
    assert.equal((await fileLines(r.file)).length, 30);
    await assert.rejects(runPrediction({ ...o, provider: 'openai' }), /Batch mode needs the Mistral Batch API/);
  } finally {
    await fresh.cleanup();
  }
});

test('one evaluation per model and run: a second one at the same time is refused, a dead owner\'s lock is taken over', async () => {
  const fresh = await makeRun({ perClass: 12 });
  try {
    const model = 'mistral-small-latest';
    const o = { ...opts(model, { concurrency: 2 }), runDir: fresh.runDir };
    const file = predictionsPath(fresh.runDir, model);
    const asked = chatCount(model);
    let started!: () => void;
    const running = new Promise<void>((res) => (started = res));
    const first = runPrediction(o, { onProgress: () => started() });
    await running;
    await assert.rejects(runPrediction(o), /An evaluation of this model on this run is already running \(this window holds .*\.mistral-small-latest\.lock\)/);
    const run = await loadRunForEvaluation(fresh.runDir);
    const other = join(fresh.dir, 'import-while-running.jsonl');
    await writeFile(other, JSON.stringify({ custom_id: run.testItems[0]!.custom_id, predicted: run.testItems[0]!.truth }) + '\n');
    await assert.rejects(importPredictions({ run, files: [other], model }), /already running/);
    const r = await first;
    assert.equal(r.done, 30);
    assert.equal(chatCount(model) - asked, 30, 'every image asked once');
    await assert.rejects(stat(predictionLockPath(file)), /ENOENT/, 'the lock is released');

    // A lock left by a process that is gone (a crash) does not block the next import.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(predictionLockPath(file), `${dead}\n`);
    const again = await importPredictions({ run, files: [other], model });
    assert.equal(again.imported, 1);
    await assert.rejects(stat(predictionLockPath(file)), /ENOENT/);
  } finally {
    await fresh.cleanup();
  }
});

test('batch mode: a job created but not yet recorded (interrupt between create and record) is found by its nonce, not paid for twice', async () => {
  const fresh = await makeRun({ perClass: 12 });
  try {
    const m = 'mistral-medium-latest';
    const o = { ...opts(m, { mode: 'batch', pollMs: 20 }), runDir: fresh.runDir };
    const file = predictionsPath(fresh.runDir, m);
    const run = await loadRunForEvaluation(fresh.runDir);
    // What an interrupted run leaves: the "creating" state, and a job on the server carrying its nonce.
    const conn = createMistralConnection({ apiKey: 'sandbox', serverUrl: sandbox.url, retry: FAST_RETRY });
    const input = join(fresh.dir, 'input.jsonl');
    const lines: string[] = [];
    for await (const l of testBatchLines(run.testFiles)) lines.push(JSON.stringify({ custom_id: l.custom_id, body: { ...l.body, temperature: 0 } }));
    await writeFile(input, lines.join('\n') + '\n');
    const uploaded = await conn.files.upload(input, 'batch');
    const nonce = 'b15-nonce';
    await mkdir(dirname(file), { recursive: true });
    await writeFile(batchStatePath(file), JSON.stringify({ nonce, startedAt: Date.now(), serverUrl: sandbox.url, model: m, requests: 30 }));
    await conn.batch.create({ inputFiles: [uploaded.file.id], endpoint: '/v1/chat/completions', model: m, metadata: { pixtune: 'evaluation', pixtuneNonce: nonce } });
    const jobsBefore = sandbox.stats().requests['POST /v1/batch/jobs'] ?? 0;
    const r = await runPrediction(o);
    assert.equal(r.done, 30);
    assert.equal((sandbox.stats().requests['POST /v1/batch/jobs'] ?? 0) - jobsBefore, 0, 'the job of the nonce was picked up, none created');

    // A "creating" state whose job never reached the server: one new job is created.
    const m2 = 'pixtral-12b-latest';
    const file2 = predictionsPath(fresh.runDir, m2);
    await writeFile(batchStatePath(file2), JSON.stringify({ nonce: 'never-created', startedAt: Date.now(), serverUrl: sandbox.url, model: m2, requests: 30 }));
    const r2 = await runPrediction({ ...o, model: m2 });
    assert.equal(r2.done, 30);
    assert.equal((sandbox.stats().requests['POST /v1/batch/jobs'] ?? 0) - jobsBefore, 1);
  } finally {
    await fresh.cleanup();
  }
});
