// The launch flow of the extension, run headless against the sandbox: upload (reusing same-content
// files), create with auto_start false, wait for VALIDATED with cost/tokens filled in, nothing
// running before the user confirms; and the retired service refusing once, without a retry storm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMistralConnection, type MistralConnection } from '../../../src/core/mistral/connection';
import { MistralError } from '../../../src/core/mistral/errors';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { buildJobRequest, checkLaunchChoices, cleanSuffix, createValidatedJob, type LaunchStage } from '../../../src/core/jobs/launchJob';
import { findRunFiles } from '../../../src/core/jobs/runFolderFiles';
import { probeSandbox } from '../../../src/core/jobs/serverKind';
import { buildTrainingFixture } from '../sandbox/trainingFixture';

let sandbox: Sandbox;
let retired: Sandbox;
let conn: MistralConnection;
let dir: string;
let runDir: string;

before(async () => {
  sandbox = await startSandbox({ port: 0, speed: 60 });
  retired = await startSandbox({ port: 0, fineTuning: 'retired' });
  conn = createMistralConnection({ apiKey: sandbox.apiKey, serverUrl: sandbox.url, retry: { initialDelayMs: 10 } });
  dir = await mkdtemp(join(tmpdir(), 'pixtune-launch-'));
  runDir = join(dir, '.pixtune', 'aid', 'run1');
  const fixture = await buildTrainingFixture(runDir, { classes: ['forest', 'river'], perClass: 6, testPerClass: 1, seed: 3 });
  await mkdir(runDir, { recursive: true });
  // A different file from train.jsonl (same content would be reused as one upload).
  const lines = (await readFile(fixture.trainPath, 'utf8')).trim().split('\n');
  await writeFile(join(runDir, 'validation.jsonl'), lines.slice(0, 4).join('\n') + '\n');
});

after(async () => {
  await sandbox.close();
  await retired.close();
  await rm(dir, { recursive: true, force: true });
});

const choices = { model: 'pixtral-12b-latest', epochs: 2, learningRate: 1e-4, suffix: 'aid', useValidation: true };

test('launch choices are checked before anything is sent', () => {
  assert.equal(checkLaunchChoices(choices), undefined);
  assert.match(checkLaunchChoices({ ...choices, trainingSteps: 10 }) ?? '', /either epochs or training steps/);
  assert.match(checkLaunchChoices({ ...choices, learningRate: 0 }) ?? '', /learning rate/);
  assert.match(checkLaunchChoices({ ...choices, suffix: 'has space' }) ?? '', /suffix/);
  assert.equal(cleanSuffix('  My Aerial run #2 (final)'), 'My-Aerial-run-2-fi');
  assert.ok(cleanSuffix('x'.repeat(40)).length <= 18);
  const req = buildJobRequest({ ...choices, epochs: undefined, trainingSteps: 30, useValidation: false }, ['f1'], ['f2']);
  assert.deepEqual(req, { model: 'pixtral-12b-latest', training_files: [{ file_id: 'f1', weight: 1 }], hyperparameters: { learning_rate: 1e-4, training_steps: 30 }, suffix: 'aid', auto_start: false });
});

test('a launch stops at VALIDATED with the service cost and tokens, and nothing runs until started', async () => {
  const run = await findRunFiles(runDir);
  const stages: LaunchStage[] = [];
  let created: string | undefined;
  const cachePath = join(dir, 'uploads.json');
  const first = await createValidatedJob(conn, run, choices, {
    uploadCachePath: cachePath,
    pollMs: 50,
    maxPollMs: 200,
    onStage: (s) => stages.push(s),
    onCreated: (job) => {
      created = job.id;
    },
  });
  assert.equal(first.job.status, 'VALIDATED');
  assert.equal(first.job.auto_start, false);
  assert.equal(created, first.job.id, 'the job is reported as soon as it exists, so it can be linked to the run');
  assert.ok((first.job.metadata?.cost ?? 0) > 0, 'the service filled in a cost');
  assert.ok((first.job.metadata?.train_tokens ?? 0) > 0);
  assert.deepEqual(first.uploads.map((u) => [u.role, u.reused]), [['training', false], ['validation', false]]);
  assert.deepEqual(first.job.validation_files, [first.uploads[1]!.fileId]);
  assert.ok(stages.some((s) => s.stage === 'validate' && s.status === 'VALIDATED'));

  // Still waiting for the user: it has not moved on by itself.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await conn.jobs.get(first.job.id)).status, 'VALIDATED');

  // Declining cancels it; a second launch of the same run uploads nothing.
  assert.match((await conn.jobs.cancel(first.job.id)).status, /^CANCELL/);
  assert.equal((await conn.waitForJob(first.job.id, { pollMs: 50, maxPollMs: 200 })).status, 'CANCELLED');
  const before = sandbox.stats().requests['POST /v1/files'] ?? 0;
  const second = await createValidatedJob(conn, run, { ...choices, useValidation: false }, { uploadCachePath: cachePath, pollMs: 50, maxPollMs: 200 });
  assert.equal(sandbox.stats().requests['POST /v1/files'] ?? 0, before, 'no upload: same content already on the server');
  assert.deepEqual(second.uploads.map((u) => u.reused), [true]);
  assert.equal(second.job.validation_files?.length ?? 0, 0);

  await conn.jobs.start(second.job.id);
  const done = await conn.waitForJob(second.job.id, { pollMs: 50, maxPollMs: 200 });
  assert.equal(done.status, 'SUCCESS');
  assert.match(done.fine_tuned_model ?? '', /^ft:pixtral-12b-latest:/);
  assert.ok((done.checkpoints?.length ?? 0) > 0);
});

test('the retired service refuses once with "fine-tuning unavailable", and later job calls send nothing', async () => {
  const rconn = createMistralConnection({ apiKey: retired.apiKey, serverUrl: retired.url, retry: { initialDelayMs: 10 } });
  const run = await findRunFiles(runDir);
  await assert.rejects(createValidatedJob(rconn, run, choices, { pollMs: 50 }), (e: unknown) => e instanceof MistralError && e.kind === 'fine-tuning-unavailable' && /retired/.test(e.message));
  const sent = () => Object.entries(retired.stats().requests).filter(([k]) => k.includes('/v1/fine_tuning/jobs')).reduce((n, [, v]) => n + v, 0);
  assert.equal(sent(), 1, 'one refused call, no retries of a 410');
  await assert.rejects(rconn.jobs.list(), (e: unknown) => e instanceof MistralError && e.kind === 'fine-tuning-unavailable');
  assert.equal(sent(), 1, 'the client remembers the refusal');
});

test('the sandbox is recognised by its identity route without a key; servers off loopback are never probed', async () => {
  const asked: string[] = [];
  const recording = (async (input: string | URL | Request, init?: RequestInit) => {
    asked.push(String(input));
    assert.equal(new Headers(init?.headers).get('authorization'), null, 'the probe never sends a key');
    return fetch(input, init);
  }) as typeof fetch;
  assert.equal(await probeSandbox(sandbox.url, { fetch: recording }), true);
  assert.deepEqual(asked, [`${sandbox.url}/sandbox/identity`]);
  asked.length = 0;
  // Off loopback the answer is "no" without a request (a skipped probe, not a failed one).
  assert.equal(await probeSandbox('https://api.mistral.ai', { fetch: recording }), false);
  assert.equal(await probeSandbox('http://127.attacker.example:8000', { fetch: recording }), false);
  assert.deepEqual(asked, []);
  // On loopback a failed probe is a request that got no sandbox answer.
  assert.equal(await probeSandbox('http://127.0.0.1:9', { fetch: recording }), false, 'nothing listening: not a sandbox, and no throw');
  assert.deepEqual(asked, ['http://127.0.0.1:9/sandbox/identity']);
});
