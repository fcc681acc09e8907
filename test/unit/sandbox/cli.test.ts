// The CLI: `sandbox` prints its URL first and serves; `jobs` runs the whole create flow, prints the
// wire shape with --json, reports retirement once, and never lets the key into output or files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobsCommand } from '../../../src/cli/jobs';
import { describeFailure, printFailure, wantsJson } from '../../../src/cli/common';
import { isAbortError } from '../../../src/core/errors';
import { createMistralConnection } from '../../../src/core/mistral/connection';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { buildTrainingFixture, type TrainingFixture } from './trainingFixture';

const KEY = 'pk-Unmistakable-9d31b7f0a2c4';
let sandbox: Sandbox;
let retired: Sandbox;
let dir: string;
let fixture: TrainingFixture;

/**
 * Runs a subcommand in-process through the CLI's own failure handling (describeFailure and printFailure,
 * exactly what src/cli.ts calls), so the exit codes and messages checked here are the real ones.
 */
async function run(argv: string[], env: NodeJS.ProcessEnv = { MISTRAL_API_KEY: KEY }) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), signal: new AbortController().signal, env };
  let code: number;
  try {
    code = await jobsCommand(argv, io);
  } catch (e) {
    const failure = describeFailure(e, 'jobs');
    if (failure.kind === 'unexpected') throw e;
    printFailure(io, failure, wantsJson(argv));
    code = failure.code;
  }
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function allFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

before(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: KEY, speed: 50 });
  retired = await startSandbox({ port: 0, apiKey: KEY, fineTuning: 'retired' });
  dir = await mkdtemp(join(tmpdir(), 'pixtune-cli-'));
  fixture = await buildTrainingFixture(join(dir, 'data'), { classes: ['forest', 'river'], perClass: 4, testPerClass: 1 });
});

after(async () => {
  await sandbox.close();
  await retired.close();
  await rm(dir, { recursive: true, force: true });
});

test('sandbox: first stdout line is "listening <url>", it serves, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname ?? __dirname, 'sandboxCliEntry.ts'), '--port', '0', '--fine-tuning', 'retired'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const [first, second] = await new Promise<string[]>((resolve, reject) => {
      const lines: string[] = [];
      createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l) === 2 && resolve(lines));
      child.once('exit', (c) => reject(new Error(`exited ${c}`)));
    });
    const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(first!);
    assert.ok(m, first);
    // A random key per start, on the second line; the old fixed key "sandbox" is refused.
    const key = /^key (sandbox-[\w-]{20,})$/.exec(second!)?.[1];
    assert.ok(key, second);
    assert.equal((await fetch(`${m[1]}/v1/fine_tuning/jobs`, { headers: { authorization: 'Bearer sandbox' } })).status, 401);
    const res = await fetch(`${m[1]}/v1/fine_tuning/jobs`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 410);
    assert.equal((await fetch(`${m[1]}/v1/models`)).status, 401);
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('jobs create --wait --json: uploads, validates, starts, waits; prints the wire job; the key appears nowhere', async () => {
  const cache = join(dir, 'state', 'uploads.json');
  const r = await run(['create', '--train', fixture.trainPath, '--model', 'pixtral-12b-latest', '--steps', '6', '--suffix', 'cli', '--wait', '--json', '--poll-ms', '20', '--upload-cache', cache, '--server-url', sandbox.url]);
  assert.equal(r.code, 0, r.stderr);
  const job = JSON.parse(r.stdout);
  assert.equal(job.status, 'SUCCESS');
  assert.match(job.fine_tuned_model, /^ft:pixtral-12b-latest:cli:/);
  assert.equal(typeof job.checkpoints[0].metrics.train_loss, 'number');
  assert.equal(job.auto_start, true);
  assert.match(r.stderr, /The service estimates: \d+\.\d\d USD/);

  // Same content again: nothing re-uploaded.
  const again = await run(['create', '--train', fixture.trainPath, '--model', 'pixtral-12b-latest', '--steps', '6', '--no-start', '--poll-ms', '20', '--upload-cache', cache, '--server-url', sandbox.url]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Reusing .*train\.jsonl/);
  assert.match(again.stdout, /Not started \(--no-start\)/);
  assert.equal(sandbox.stats().requests['POST /v1/files'], 1);

  const list = await run(['list', '--json', '--server-url', sandbox.url]);
  assert.equal(list.code, 0);
  assert.equal(JSON.parse(list.stdout).data[1].id, job.id);
  const get = await run(['get', job.id, '--server-url', sandbox.url]);
  assert.match(get.stdout, /SUCCESS/);
  assert.match(get.stdout, /train loss/);

  const written = await allFiles(dir);
  assert.ok(written.some((f) => f.endsWith('uploads.json')));
  for (const text of [r.stdout, r.stderr, again.stdout, again.stderr, list.stdout, get.stdout, ...(await Promise.all(written.map((f) => readFile(f, 'latin1'))))]) {
    assert.ok(!text.includes(KEY), 'the API key leaked');
  }
});

test('jobs create on a retired server: exit 1, the retirement message once, nothing uploaded', async () => {
  const r = await run(['create', '--train', fixture.trainPath, '--model', 'pixtral-12b-latest', '--server-url', retired.url, '--upload-cache', join(dir, 'retired.json')]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('retired hosted fine-tuning').length - 1, 1, r.stderr);
  assert.match(r.stderr, /sandbox/);
  assert.equal(retired.stats().requests['POST /v1/files'] ?? 0, 0);
  assert.ok(!(r.stdout + r.stderr).includes(KEY));
});

test('jobs create with bad data: exit 1 with the validation message', async () => {
  const bad = join(dir, 'bad.jsonl');
  await writeFile(bad, JSON.stringify({ messages: [{ role: 'user', content: 'no answer' }] }) + '\n');
  const r = await run(['create', '--train', bad, '--model', 'pixtral-12b-latest', '--epochs', '1', '--poll-ms', '20', '--server-url', sandbox.url, '--upload-cache', join(dir, 'bad-cache.json')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /FAILED_VALIDATION: .*Line 1: the last message must be the assistant's answer/);
});

test('missing key → exit 1 with a clear message; bad usage → exit 2', async () => {
  const r = await run(['list', '--server-url', sandbox.url], {});
  assert.equal(r.code, 1);
  assert.match(r.stderr, /MISTRAL_API_KEY is not set/);
  assert.equal((await run(['create', '--model', 'x'])).code, 2);
  assert.equal((await run(['create', '--train', 'a', '--model', 'x', '--epochs', '1', '--steps', '2'])).code, 2);
  assert.equal((await run(['create', '--train', 'a', '--model', 'x', '--suffix', 'has space'])).code, 2, 'the suffix is checked like the launch checks it');
  assert.equal((await run(['frobnicate'])).code, 2);
});

test('jobs create: Ctrl+C while the service validates cancels the created job', async () => {
  const slow = await startSandbox({ port: 0, apiKey: KEY, speed: 0.5 }); // validation takes seconds
  try {
    const controller = new AbortController();
    const out: string[] = [];
    const argv = ['create', '--train', fixture.trainPath, '--model', 'pixtral-12b-latest', '--epochs', '1', '--poll-ms', '20', '--server-url', slow.url, '--upload-cache', join(dir, 'abort.json')];
    const io = {
      out: (t: string) => {
        out.push(t);
        if (t.startsWith('Created job')) controller.abort();
      },
      err: (t: string) => out.push(t),
      signal: controller.signal,
      env: { MISTRAL_API_KEY: KEY },
    };
    await assert.rejects(jobsCommand(argv, io), (e: unknown) => isAbortError(e));
    const id = /Created job (\S+);/.exec(out.join('\n'))?.[1];
    assert.ok(id, out.join('\n'));
    assert.match(out.join('\n'), /asked the service to cancel it/);
    const conn = createMistralConnection({ apiKey: KEY, serverUrl: slow.url, retry: { initialDelayMs: 10 } });
    assert.equal((await conn.waitForJob(id, { pollMs: 20, maxPollMs: 100 })).status, 'CANCELLED');
    assert.equal(slow.stats().requests['POST /v1/fine_tuning/jobs/{job_id}/start'] ?? 0, 0, 'never started');
  } finally {
    await slow.close();
  }
});
