// `pixtune train --sharding fsdp`: the CLI's flag reaches the trainer's config, and the local backend's run shards
// the tiny model over two CPU workers (Ray Train, gloo) to the end: each worker holds half of the parameters, the
// adapter is saved whole. Bad uses of the flag are usage errors (exit 2) before anything starts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTinyModel, makeToyRun, projectPython, runCli } from './fixtures';

let dir: string;
let runDir: string;
let model: string;
let env: NodeJS.ProcessEnv;

const cli = (...args: string[]) => runCli(env, args, 400_000);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-sharded-'));
  env = { ...process.env, PIXTUNE_TRAINER_PYTHON: await projectPython(), PIXTUNE_CACHE: join(dir, 'cache'), HF_ENDPOINT: 'http://127.0.0.1:9', HF_HOME: join(dir, 'hf'), OMP_NUM_THREADS: '1' };
  [runDir, model] = await Promise.all([makeToyRun(join(dir, 'run')), makeTinyModel(join(dir, 'model'))]);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('--sharding takes none or fsdp, and fsdp needs 2 workers or more', async () => {
  const unknown = await cli('train', '--run', runDir, '--backend', 'local', '--base-model', model, '--sharding', 'zero3');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--sharding takes none or fsdp, not "zero3"/);
  const alone = await cli('train', '--run', runDir, '--backend', 'local', '--base-model', model, '--sharding', 'fsdp', '--json');
  assert.equal(alone.code, 2);
  assert.match(JSON.parse(alone.stdout).error.message, /needs at least 2 workers/);
});

test('train --backend local --workers 2 --sharding fsdp shards the model over both workers to SUCCESS', { timeout: 420_000 }, async () => {
  const r = await cli('train', '--run', runDir, '--backend', 'local', '--base-model', model, '--steps', '2', '--lr', '1e-3', '--workers', '2', '--sharding', 'fsdp', '--wait', '--poll-ms', '500', '--json');
  assert.equal(r.code, 0, r.stderr);
  const job = JSON.parse(r.stdout);
  assert.equal(job.status, 'SUCCESS', JSON.stringify(job));
  assert.equal(job.hyperparameters.sharding, 'fsdp');
  assert.equal(job.hyperparameters.workers, 2);
  assert.deepEqual(job.metrics.map((m: { step: number }) => m.step), [1, 2]);
  const logs = await cli('jobs', 'logs', job.id, '--backend', 'local');
  assert.equal(logs.code, 0, logs.stderr);
  const found = /the workers hold ([\d,]+) \+ ([\d,]+) of the model's ([\d,]+) parameters/.exec(logs.stdout);
  assert.ok(found, logs.stdout.slice(-3000));
  const [first, second, total] = found.slice(1).map((n) => Number(n.replaceAll(',', '')));
  assert.equal(first! + second!, total);
  assert.ok(Math.abs(first! - second!) <= 4096, found[0]);
  assert.match(logs.stdout, /"sharding": "fsdp"/);
});
