// The sandbox's simulated training as a user watches it: long enough at speed 1 to see Running and a chart
// that grows, an expected duration that matches what it then takes, curves that depend on the data and the
// length (same data, same curve), and no validation metrics for a job without a validation file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMistralConnection, type MistralConnection } from '../../../src/core/mistral/connection';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { planRun, trainingCurve, type CurveInput } from '../../../src/core/sandbox/trainingCurve';
import type { FineTuningJob } from '../../../src/core/mistral/wireSchemas';
import { buildTrainingFixture } from '../sandbox/trainingFixture';

let sandbox: Sandbox;
let conn: MistralConnection;
let dir: string;
const files: Record<string, string> = {};

before(async () => {
  sandbox = await startSandbox({ port: 0, speed: 2 });
  conn = createMistralConnection({ apiKey: sandbox.apiKey, serverUrl: sandbox.url, retry: { initialDelayMs: 10 } });
  dir = await mkdtemp(join(tmpdir(), 'pixtune-sbx-curve-'));
  for (const [name, opts] of Object.entries({ a: { seed: 3, perClass: 5 }, b: { seed: 9, perClass: 6, classes: ['forest', 'river', 'industrial'] } })) {
    const fx = await buildTrainingFixture(join(dir, name), { ...opts, testPerClass: 1 });
    files[name] = (await conn.files.upload(fx.trainPath, 'fine-tune')).file.id;
  }
});

after(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

const base: CurveInput = { dataKey: 'data-1', classes: 3, trainAccuracy: 0.9, steps: 10, epochsPerStep: 0.5, learningRate: 1e-4, hasValidation: true };
const steps = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('at speed 1 a run lasts long enough to watch (6–30 s), with up to ten checkpoints ending at the last step', () => {
  assert.deepEqual(planRun(1, 1), { runSeconds: 6, checkpointSteps: [1] });
  assert.deepEqual(planRun(24, 1).checkpointSteps, [2, 5, 7, 10, 12, 14, 17, 19, 22, 24]);
  assert.equal(planRun(24, 1).runSeconds, 30);
  assert.equal(planRun(8, 4).runSeconds, 3, 'speed divides the time');
});

test('curves are deterministic per data and change with the data, the length and the separability', () => {
  const final = (over: Partial<CurveInput>) => trainingCurve({ ...base, ...over }, steps(over.steps ?? 10)).at(-1)!.train_loss;
  assert.deepEqual(trainingCurve(base, steps(10)), trainingCurve(base, steps(10)));
  assert.notEqual(final({}), final({ dataKey: 'data-2' }));
  assert.notEqual(final({}), final({ steps: 3 }));
  assert.ok(final({ trainAccuracy: 0.5 }) > final({ trainAccuracy: 1 }) + 0.15, 'a set the model cannot separate ends higher');
  const curve = trainingCurve(base, steps(10)).map((m) => m.train_loss);
  assert.ok(curve.every((l, i) => i === 0 || l < curve[i - 1]!), `training loss falls: ${curve.join(', ')}`);
  // Long training on a small set: validation loss turns back up while training loss keeps falling.
  const long = trainingCurve({ ...base, epochsPerStep: 2 }, steps(60));
  const valid = long.map((m) => m.valid_loss!);
  assert.ok(valid.at(-1)! > Math.min(...valid) + 0.1, 'overfitting shows in the validation loss');
  assert.deepEqual(trainingCurve({ ...base, hasValidation: false }, [1, 2]).map((m) => [m.valid_loss, m.valid_mean_token_accuracy]), [[null, null], [null, null]]);
});

async function runJob(fileId: string, trainingSteps: number, validation: string[] = []): Promise<{ job: FineTuningJob; ranMs: number }> {
  const created = await conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: fileId }], validation_files: validation, hyperparameters: { training_steps: trainingSteps }, auto_start: false });
  await conn.waitForJob(created.id, { pollMs: 20, until: (j) => j.status === 'VALIDATED' });
  const t0 = Date.now();
  await conn.jobs.start(created.id);
  const job = await conn.waitForJob(created.id, { pollMs: 20 });
  return { job, ranMs: Date.now() - t0 };
}

test('through the sandbox: the expected duration is what the run takes, and no validation file means no validation metrics', async () => {
  const { job, ranMs } = await runJob(files.a!, 1);
  assert.equal(job.status, 'SUCCESS');
  assert.equal(job.metadata?.expected_duration_seconds, 3, '6 s at speed 2');
  assert.ok(Math.abs(ranMs - 3000) < 1000, `ran ${ranMs} ms`);
  assert.equal(job.checkpoints?.length, 1);
  assert.deepEqual([job.checkpoints![0]!.metrics.valid_loss, job.checkpoints![0]!.metrics.valid_mean_token_accuracy], [null, null]);
});

test('through the sandbox: jobs on other data or of another length end at other losses; the same job twice ends alike', async () => {
  const finalLoss = (j: FineTuningJob) => j.checkpoints![0]!.metrics.train_loss;
  // The sandbox refuses a copy of an active job (as the service does): jobs on the same file run one after another.
  const [a2, b2] = await Promise.all([runJob(files.a!, 2), runJob(files.b!, 2)]);
  const a2again = await runJob(files.a!, 2);
  const a3 = await runJob(files.a!, 3);
  assert.notEqual(finalLoss(a2.job), finalLoss(b2.job));
  assert.notEqual(finalLoss(a2.job), finalLoss(a3.job));
  assert.equal(finalLoss(a2again.job), finalLoss(a2.job));
});
