// `pixtune predict` and `pixtune report` as a user runs them (dist/cli.js, built before the unit tests),
// against a sandbox that fine-tunes a model on the run's own training file: the --json shapes, exit
// codes, --compare, and the Markdown/HTML exports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createMistralConnection } from '../../../src/core/mistral/connection';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { makeRun, type RunFixture } from './runFixture';

let sandbox: Sandbox;
let fx: RunFixture;
let tuned: string;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/cli.js', ...args], { env: { ...process.env, MISTRAL_API_KEY: 'sandbox', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: 'sandbox', speed: 50 });
  fx = await makeRun({ perClass: 16, test: 0.25 }); // 12 train + 4 test per class
  const conn = createMistralConnection({ apiKey: 'sandbox', serverUrl: sandbox.url });
  const up = await conn.files.upload(join(fx.runDir, 'train.jsonl'), 'fine-tune');
  const job = await conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: up.file.id }], hyperparameters: { training_steps: 5 }, auto_start: true });
  const done = await conn.waitForJob(job.id, { pollMs: 20 });
  assert.equal(done.status, 'SUCCESS');
  tuned = done.fine_tuned_model!;
});
after(async () => {
  await sandbox.close();
  await fx.cleanup();
});

test('predict --json, report --json --compare, --md and --html', async () => {
  const base = await cli(['predict', '--run', fx.runDir, '--model', 'pixtral-12b-latest', '--server-url', sandbox.url, '--json']);
  assert.equal(base.code, 0, base.stderr + base.stdout);
  const b = JSON.parse(base.stdout) as { predictions: string; total: number; done: number; errors: number; report: { accuracy: number; perClass: Record<string, unknown> } };
  assert.deepEqual(Object.keys(b).sort(), ['done', 'errors', 'model', 'predictions', 'report', 'total']);
  assert.equal(b.total, 20);
  assert.equal(b.done, 20);
  assert.deepEqual(Object.keys(b.report.perClass), fx.classes);

  const ft = await cli(['predict', '--run', fx.runDir, '--model', tuned, '--server-url', sandbox.url, '--concurrency', '3', '--json']);
  assert.equal(ft.code, 0, ft.stderr);
  const f = JSON.parse(ft.stdout) as { predictions: string; report: { accuracy: number } };
  assert.match(f.predictions, /predictions\/ft-pixtral-12b-latest-.*\.jsonl$/);
  assert.ok(f.report.accuracy > b.report.accuracy, `fine-tuned ${f.report.accuracy} beats base ${b.report.accuracy}`);

  const rep = await cli(['report', b.predictions, '--compare', f.predictions, '--json']);
  assert.equal(rep.code, 0, rep.stderr);
  const r = JSON.parse(rep.stdout) as Record<string, unknown> & { deltas: { accuracy: number; perClass: Record<string, unknown> }; fixed: string[]; broken: string[]; compare: { accuracy: number; model: string }; confusion: { labels: string[]; matrix: number[][] }; perClass: Record<string, { precision: number; recall: number; f1: number; support: number }> };
  for (const k of ['accuracy', 'macroF1', 'weightedF1', 'invalidRate', 'perClass', 'confusion', 'deltas', 'fixed', 'broken', 'compare', 'suspectedLabelErrors']) assert.ok(k in r, k);
  assert.deepEqual(r.confusion.labels, [...fx.classes, '(invalid)']);
  assert.deepEqual(Object.keys(r.perClass[fx.classes[0]!]!).sort(), ['f1', 'precision', 'recall', 'support']);
  assert.equal(r.compare.model, tuned);
  assert.ok(Math.abs(r.deltas.accuracy - (r.compare.accuracy - (r.accuracy as number))) < 1e-12);
  assert.ok(r.fixed.length > 0, 'the fine-tuned model fixes tiles');
  assert.deepEqual(Object.keys(r.deltas.perClass), fx.classes);

  const human = await cli(['report', b.predictions, '--compare', f.predictions]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /Deltas \(second − first\): accuracy \+/);

  const md = join(fx.dir, 'report.md');
  assert.equal((await cli(['report', b.predictions, '--md', '--out', md])).code, 0);
  assert.match(await readFile(md, 'utf8'), /^# Evaluation of pixtral-12b-latest on /);
  const html = join(fx.dir, 'report.html');
  assert.equal((await cli(['report', b.predictions, '--compare', f.predictions, '--html', '--out', html])).code, 0);
  const page = await readFile(html, 'utf8');
  assert.match(page, /<img src="data:image\/jpeg;base64,/, 'wrong tiles embedded as thumbnails');
  assert.ok((await stat(html)).size < 2_000_000);
});

test('usage errors exit 2, failures exit 1 with one JSON error document, nothing written', async () => {
  const noRun = await cli(['predict', '--model', 'x', '--json']);
  assert.equal(noRun.code, 2);
  assert.equal((JSON.parse(noRun.stdout) as { error: { kind: string } }).error.kind, 'usage');
  const badMode = await cli(['predict', '--run', fx.runDir, '--model', 'x', '--mode', 'fast']);
  assert.equal(badMode.code, 2);
  const noKey = await cli(['predict', '--run', fx.runDir, '--model', 'mistral-small-latest', '--server-url', sandbox.url, '--json'], { MISTRAL_API_KEY: '' });
  assert.equal(noKey.code, 1);
  assert.match((JSON.parse(noKey.stdout) as { error: { message: string } }).error.message, /MISTRAL_API_KEY is not set/);
  const textOnly = await cli(['predict', '--run', fx.runDir, '--model', 'codestral-latest', '--server-url', sandbox.url, '--json']);
  assert.equal(textOnly.code, 1);
  assert.match((JSON.parse(textOnly.stdout) as { error: { message: string } }).error.message, /cannot see images/);
  await assert.rejects(stat(join(fx.runDir, 'predictions', 'codestral-latest.jsonl')), /ENOENT/);
  const twoFormats = await cli(['report', 'x.jsonl', '--md', '--html']);
  assert.equal(twoFormats.code, 2);
  const missing = await cli(['report', join(fx.dir, 'nope.jsonl'), '--json']);
  assert.equal(missing.code, 1);
  assert.match((JSON.parse(missing.stdout) as { error: { message: string } }).error.message, /does not exist/);
});

test('Ctrl+C stops predict (exit 130) with every answer kept; the next run finishes without asking twice', async () => {
  const model = 'mistral-medium-latest';
  const file = join(fx.runDir, 'predictions', `${model}.jsonl`);
  sandbox.faults.add({ kind: 'delay', pattern: '/v1/chat/completions', count: Infinity, value: 80 });
  try {
    const child = spawn(process.execPath, ['dist/cli.js', 'predict', '--run', fx.runDir, '--model', model, '--server-url', sandbox.url, '--concurrency', '2'], { env: { ...process.env, MISTRAL_API_KEY: 'sandbox' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Wait on durable state: answers on disk.
    for (;;) {
      const lines = await readFile(file, 'utf8').then((t) => t.split('\n').filter(Boolean).length, () => 0);
      if (lines >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /Cancelled/);
  } finally {
    sandbox.faults.clear();
  }
  const partial = (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;
  assert.ok(partial < 20, `${partial} lines after Ctrl+C`);
  assert.equal(sandbox.stats().models['POST /v1/chat/completions']?.[model], partial, 'every request sent was answered and kept');
  const again = await cli(['predict', '--run', fx.runDir, '--model', model, '--server-url', sandbox.url, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { done: number }).done, 20);
  assert.equal(sandbox.stats().models['POST /v1/chat/completions']?.[model], 20, 'nothing asked twice');
});
