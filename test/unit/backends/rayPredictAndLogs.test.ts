// The Ray backend's own logic against a stand-in dashboard (fakeRayDashboard.ts): predict sends every part of a
// test batch written in parts (B1), answers this machine cannot read are a clear message, not ENOENT (B5), and polling a resumed training downloads an ended job's log once (B17).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { generateDataset } from '../../fixtures/generateDataset';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { prepareTrainingData } from '../../../src/core/training/prepareTrainingData';
import { loadManifest, testBatchFiles } from '../../../src/core/evaluation/runContext';
import { RayTrainingBackend } from '../../../src/core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../../../src/core/jobs/backends/ray/rayJobsClient';
import { clusterAnswersHere, predictLocally } from '../../../src/core/jobs/backends/trainerPredict';
import { UserError } from '../../../src/core/errors';
import { tempFolder } from '../support/tempFolder';
import { startFakeRayDashboard, type FakeRayDashboard } from './fakeRayDashboard';

const TRAINER_ROOT = resolve(__dirname, '../../../src/trainer');
let fake: FakeRayDashboard;
let backend: RayTrainingBackend;
let runDir: string;
let parts: string[];

before(async () => {
  fake = await startFakeRayDashboard();
  backend = new RayTrainingBackend({ client: new RayJobsClient({ address: fake.address, retry: { maxAttempts: 1 } }), trainerRoot: TRAINER_ROOT, storagePath: '/cluster/jobs' });
  const dir = await tempFolder('pixtune-ray-fake-');
  const ds = await generateDataset(join(dir, 'ds'), { classes: ['forest', 'river'], perClass: 6, size: 32, seed: 3 });
  runDir = join(dir, 'run');
  // Small parts: the test split is written as test.batch.part-001.jsonl, test.batch.part-002.jsonl, …
  await prepareTrainingData(await scanDataset(ds.root), { split: { train: 0.5, validation: 0, test: 0.5 }, image: { scale: 1 }, maxFileBytes: 1500 }, runDir);
  parts = await testBatchFiles(runDir, await loadManifest(runDir));
});

after(() => fake.close());

test('predict on Ray uploads every part of the test batch and names them all in the predict config', async () => {
  assert.ok(parts.length > 1 && parts.every((p) => /test\.batch\.part-\d+\.jsonl$/.test(p)), `parts: ${parts.join(', ')}`);
  fake.submitStatus = 'SUCCEEDED';
  const { outputFile } = await backend.predict({ runDir, baseModel: '/models/tiny', adapter: '/cluster/jobs/x/adapter' }, undefined, 10);
  assert.match(outputFile, /^\/cluster\/jobs\/predict-[0-9a-f]+\/predictions\.jsonl$/);
  const sent = fake.submitted.at(-1)!;
  const config = JSON.parse((sent.runtime_env!.env_vars as Record<string, string>).PIXTUNE_PREDICT_CONFIG!) as { test_file: string[] };
  const names = parts.map((p, i) => `data/test-${i}-${basename(p)}`);
  assert.deepEqual(config.test_file, names.map((n) => `@PIXTUNE_WORKDIR@/${n}`));
  const zip = [...fake.packages.values()].at(-1)!;
  for (const n of names) assert.ok(zip.includes(Buffer.from(n)), `${n} is in the uploaded package`);
});

test('answers left on a cluster this machine cannot read: one sentence naming the file and how to import it; readable ones are used', async () => {
  fake.submitStatus = 'SUCCEEDED';
  const answers = await backend.predict({ runDir, baseModel: '/models/tiny' }, undefined, 10);
  await assert.rejects(clusterAnswersHere(answers, 'Copy the file here, then import it.'), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, `The answers are on the cluster at ${answers.outputFile} (job ${answers.jobId}), which this machine cannot read.`);
    assert.equal(err.action, 'Copy the file here, then import it.');
    return true;
  });
  const here = join(runDir, 'copied.jsonl');
  await writeFile(here, '');
  assert.equal(await clusterAnswersHere({ jobId: answers.jobId, outputFile: here }, 'unused'), here);
});

test('predict on this machine gives the trainer every part of the test batch', async () => {
  // `true` stands in for the trainer's Python: what is checked is the config Pixtune writes for it.
  await predictLocally({ runDir, baseModel: '/models/tiny' }, { python: 'true', trainerRoot: TRAINER_ROOT });
  const config = JSON.parse(await readFile(join(runDir, 'predictions', 'trainer-raw', 'tiny.config.json'), 'utf8')) as { test_file: string[] };
  assert.deepEqual(config.test_file, parts);
});

const step = (n: number) => JSON.stringify({ event: 'step', step: n, train_loss: 3 - n / 2 });
const trainingJob = (id: string, status: 'RUNNING' | 'STOPPED', log: string, resumeOf?: string) => {
  const metadata: Record<string, string> = { pixtune: '1', pixtune_training_id: 'pixtune-run-a', pixtune_base_model: '/models/tiny', pixtune_config: JSON.stringify({ base_model: '/models/tiny', output_dir: '/cluster/jobs/a' }) };
  if (resumeOf) metadata.pixtune_resume_of = resumeOf;
  fake.jobs.set(id, { details: { submission_id: id, status, entrypoint: 'python -m pixtune_trainer train', metadata, start_time: Date.now() }, log });
};

test("polling a resumed training reads the earlier (ended) attempt's log once, and an ended job's log once", async () => {
  trainingJob('pixtune-run-a', 'STOPPED', [step(1), step(2), JSON.stringify({ event: 'checkpoint', step: 2, path: '/cluster/jobs/a/checkpoints/step-2' })].join('\n'));
  trainingJob('pixtune-run-a-r1', 'RUNNING', step(3), 'pixtune-run-a');
  fake.logDownloads.length = 0;
  for (let i = 0; i < 3; i++) {
    const v = await backend.get('pixtune-run-a-r1');
    assert.deepEqual(v.metrics.map((m) => m.step), [1, 2, 3]);
  }
  const count = (id: string) => fake.logDownloads.filter((d) => d === id).length;
  assert.equal(count('pixtune-run-a'), 1, 'the stopped attempt is read once');
  assert.equal(count('pixtune-run-a-r1'), 3, 'the running job is read on every poll (Ray hands out whole logs only)');

  fake.jobs.get('pixtune-run-a-r1')!.log += '\n' + step(4);
  fake.jobs.get('pixtune-run-a-r1')!.details.status = 'SUCCEEDED';
  for (let i = 0; i < 2; i++) assert.deepEqual((await backend.get('pixtune-run-a-r1')).metrics.map((m) => m.step), [1, 2, 3, 4]);
  await backend.artefacts('pixtune-run-a-r1');
  assert.equal(count('pixtune-run-a-r1'), 4, 'once ended, its log is read once more and then kept');
  assert.equal(count('pixtune-run-a'), 1);
});
