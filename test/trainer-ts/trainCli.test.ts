// `pixtune train`, `trainer setup` and `jobs --backend local` as a script uses them: the CLI entry (src/cli.ts,
// what dist/cli.js bundles) in a child process, the real trainer on a tiny model, --json documents on stdout and
// the exit-code contract (0 ok, 1 a failure to fix, 2 bad usage).
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateDataset } from '../fixtures/generateDataset';
import { makeTinyModel, makeToyRun, projectPython, runCli } from './fixtures';

let dir: string;
let runDir: string;
let model: string;
let env: NodeJS.ProcessEnv;

const cli = (...args: string[]) => runCli(env, args);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-traincli-'));
  // The environment's interpreter directly (no setup run), and the local jobs index in the temp folder. The hub is
  // closed (HF_ENDPOINT at the discard port, an empty HF cache) whatever this machine's network: the same answers everywhere.
  env = { ...process.env, PIXTUNE_TRAINER_PYTHON: await projectPython(), PIXTUNE_CACHE: join(dir, 'cache'), HF_ENDPOINT: 'http://127.0.0.1:9', HF_HOME: join(dir, 'hf') };
  [runDir, model] = await Promise.all([makeToyRun(join(dir, 'run')), makeTinyModel(join(dir, 'model'))]);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('bad usage exits 2 with one JSON error document', async () => {
  const missing = await cli('train', '--backend', 'local', '--base-model', model, '--json');
  assert.equal(missing.code, 2);
  assert.deepEqual(JSON.parse(missing.stdout).error.kind, 'usage');
  assert.match(JSON.parse(missing.stdout).error.message, /--run/);
  const backend = await cli('train', '--run', runDir, '--backend', 'gpu-cloud', '--base-model', model);
  assert.equal(backend.code, 2);
  assert.match(backend.stderr, /--backend must be one of local, ray, mistral/);
  const both = await cli('train', '--run', runDir, '--backend', 'local', '--base-model', model, '--epochs', '1', '--steps', '2');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /either --epochs or --steps/);
});

test('trainer setup --json reports the environment', { timeout: 60_000 }, async () => {
  const r = await cli('trainer', 'setup', '--json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.python, env.PIXTUNE_TRAINER_PYTHON);
  assert.match(doc.torch, /^2\./);
  assert.equal(typeof doc.cuda, 'boolean');
  assert.equal(doc.gpus, 0);
});

test('the capacity check refuses a 12B model on a machine without a GPU, with the way out', { timeout: 60_000 }, async () => {
  const r = await cli('train', '--run', runDir, '--backend', 'local', '--base-model', 'mistralai/Pixtral-12B-2409', '--gpus-per-worker', '1', '--json');
  assert.equal(r.code, 1);
  const err = JSON.parse(r.stdout).error;
  assert.match(err.message, /does not fit this machine/);
  assert.match(err.hint, /GPU|--force/);
  assert.match(r.stderr, /Capacity: Pixtral-12B \(12\.4 B parameters, bf16\)/);
});

test('a hub id this machine cannot fetch is refused before anything starts, with the way out', { timeout: 60_000 }, async () => {
  const id = 'pixtune-test/not-on-this-machine';
  const r = await cli('train', '--run', runDir, '--backend', 'local', '--base-model', id, '--steps', '1', '--json');
  assert.equal(r.code, 1, r.stderr);
  const err = JSON.parse(r.stdout).error;
  assert.match(err.message, /^The base model cannot be loaded on this machine: From the machine .*, http:\/\/127\.0\.0\.1:9 cannot be reached .* not in the Hugging Face cache there\.$/);
  assert.match(err.hint, /hf download pixtune-test\/not-on-this-machine --local-dir <folder>.*--force/);
  assert.match(r.stderr, /Capacity: The size of pixtune-test\/not-on-this-machine is not known/);
  assert.match(r.stderr, /→ Or set HF_ENDPOINT on this machine/);
  // Nothing was started: the local jobs index has no job for it.
  const list = await cli('jobs', 'list', '--backend', 'local', '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).data.filter((j: { baseModel: string }) => j.baseModel === id), []);
});

test('train --backend local --wait --json trains the tiny model; jobs list/get find it', { timeout: 300_000 }, async () => {
  const r = await cli('train', '--run', runDir, '--backend', 'local', '--base-model', model, '--steps', '2', '--lr', '1e-3', '--lora-rank', '4', '--wait', '--poll-ms', '500', '--json');
  assert.equal(r.code, 0, r.stderr);
  const job = JSON.parse(r.stdout);
  assert.equal(job.backend, 'local');
  assert.equal(job.status, 'SUCCESS');
  assert.deepEqual(job.metrics.map((m: { step: number }) => m.step), [1, 2]);
  assert.ok(typeof job.metrics[0].train_loss === 'number');
  assert.ok((await stat(join(job.adapter, 'adapter_config.json'))).isFile());
  // The adapter carries the tokenizer it was trained with, which the vLLM command serves it with.
  assert.ok((await stat(join(job.adapter, 'tekken.json'))).isFile());
  assert.ok(job.serve.serve.startsWith(`vllm serve ${model} --tokenizer ${job.adapter} --tokenizer-mode mistral --enable-lora --lora-modules `), job.serve.serve);
  assert.equal(job.serve.evaluate, `pixtune predict --run ${runDir} --provider openai --server-url http://127.0.0.1:8000/v1 --model ${job.serve.model}`);
  assert.match(r.stderr, /Capacity: .* trains on CPU/);
  const list = await cli('jobs', 'list', '--backend', 'local', '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).data.map((j: { id: string }) => j.id), [job.id]);
  const got = await cli('jobs', 'get', job.id, '--backend', 'local');
  assert.equal(got.code, 0);
  assert.match(got.stdout, new RegExp(`${job.id}  SUCCESS`));
  assert.ok(got.stdout.includes(`    ${job.serve.serve}\n`), 'jobs get prints the serve command');
  const unknown = await cli('jobs', 'get', 'local-nope', '--backend', 'local', '--json');
  assert.equal(unknown.code, 1);
  assert.match(JSON.parse(unknown.stdout).error.message, /No training local-nope/);
});

test('predict --backend local: the trainer answers the test split, the evaluation imports and scores it', { timeout: 300_000 }, async () => {
  // A real prepared run (manifest, test batch), as pixtune prepare writes it, with tiny tiles.
  const dataset = await generateDataset(join(dir, 'dataset'), { classes: ['forest', 'river'], perClass: 4, size: 48 });
  const prepared = join(dir, 'prepared');
  const prep = await cli('prepare', dataset.root, '--out', prepared, '--test-count', '1', '--max-edge', '32', '--json');
  assert.equal(prep.code, 0, prep.stderr);
  const trained = await cli('train', '--run', prepared, '--backend', 'local', '--base-model', model, '--steps', '1', '--lora-rank', '4', '--wait', '--poll-ms', '500', '--json');
  assert.equal(trained.code, 0, trained.stderr);
  const adapter = JSON.parse(trained.stdout).adapter as string;
  const r = await cli('predict', '--run', prepared, '--backend', 'local', '--base-model', model, '--adapter', adapter, '--json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.total, 2);
  assert.equal(doc.done + doc.errors, 2);
  assert.match(doc.model, /^model\+local-prepared-[0-9a-f]{8}$/);
  assert.match(doc.predictions, /predictions\/.*\.jsonl$/);
  // An untrained tiny model answers nonsense: the report counts it as invalid labels rather than failing.
  assert.equal(typeof doc.report.accuracy, 'number');
});
