// Fine-tuning jobs end to end through our client: lifecycle, validation failures, cancellation,
// paging, and a fine-tuned model that genuinely beats the base model on held-out images.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMistralConnection, type MistralConnection } from '../../../src/core/mistral/connection';
import { jobFailureMessage } from '../../../src/core/mistral/jobSummary';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { buildTrainingFixture, dataUrl, makeImage, trainingLine, type TrainingFixture } from './trainingFixture';

let sandbox: Sandbox;
let conn: MistralConnection;
let dir: string;
let fixture: TrainingFixture;

before(async () => {
  sandbox = await startSandbox({ port: 0, speed: 40 });
  conn = createMistralConnection({ apiKey: sandbox.apiKey, serverUrl: sandbox.url, retry: { initialDelayMs: 10 } });
  dir = await mkdtemp(join(tmpdir(), 'pixtune-ft-'));
  fixture = await buildTrainingFixture(dir, { perClass: 10, testPerClass: 12, seed: 11 });
});

after(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function classify(model: string, image: string): Promise<string | undefined> {
  const res = await conn.chat.complete({
    model,
    messages: [
      { role: 'system', content: fixture.systemPrompt },
      { role: 'user', content: [{ type: 'image_url', imageUrl: image }] },
    ],
    temperature: 0,
  });
  const text = String(res.choices[0]?.message?.content);
  const json = /```json\s*([\s\S]*?)```/.exec(text)?.[1] ?? text;
  return (JSON.parse(json) as { label?: string }).label;
}

async function accuracy(model: string): Promise<{ acc: number; outside: number }> {
  let right = 0;
  let outside = 0;
  for (const t of fixture.test) {
    const label = await classify(model, t.dataUrl);
    if (label === t.label) right++;
    if (!label || !fixture.classes.includes(label)) outside++;
  }
  return { acc: right / fixture.test.length, outside };
}

test('a job goes QUEUED → VALIDATED (waits) → RUNNING → SUCCESS with falling loss, and its model beats the base model', async () => {
  const train = await conn.files.upload(fixture.trainPath, 'fine-tune');
  const created = await conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: train.file.id }], hyperparameters: { training_steps: 12 }, suffix: 'aerial', auto_start: false });
  assert.equal(created.status, 'QUEUED');
  assert.equal(created.fine_tuned_model, null);

  const seen: string[] = [];
  const validated = await conn.waitForJob(created.id, { pollMs: 20, until: (j) => j.status === 'VALIDATED', onUpdate: (j) => seen.push(j.status) });
  assert.equal(validated.status, 'VALIDATED');
  assert.ok((validated.metadata?.cost ?? 0) > 0, 'cost estimate');
  assert.ok((validated.hyperparameters.epochs ?? 0) > 0, 'epochs filled in from the steps');
  assert.ok((validated.metadata?.data_tokens ?? 0) > fixture.train.length * 10, 'image tokens are counted');
  assert.equal(validated.metadata?.train_tokens, (validated.hyperparameters.training_steps ?? 0) * (validated.metadata?.train_tokens_per_step ?? 0));

  // With auto_start false the job stays VALIDATED until started.
  await new Promise((r) => setTimeout(r, 150));
  assert.equal((await conn.jobs.get(created.id)).status, 'VALIDATED');

  const started = await conn.jobs.start(created.id);
  assert.equal(started.auto_start, true);
  const done = await conn.waitForJob(created.id, { pollMs: 20, onUpdate: (j) => seen.push(j.status) });
  assert.equal(done.status, 'SUCCESS', jobFailureMessage(done));
  assert.match(done.fine_tuned_model ?? '', /^ft:pixtral-12b-latest:aerial:\d{8}:[0-9a-f]{8}$/);
  assert.deepEqual(
    done.events?.map((e) => e.data?.status),
    ['QUEUED', 'VALIDATING', 'VALIDATED', 'RUNNING', 'SUCCESS'],
  );
  const steps = done.checkpoints!.map((c) => c.step_number);
  assert.deepEqual(steps, [...steps].sort((a, b) => b - a), 'checkpoints newest first');
  const losses = done.checkpoints!.map((c) => c.metrics.train_loss!).reverse();
  assert.ok(losses.length >= 2);
  assert.ok(losses.every((l, i) => i === 0 || l < losses[i - 1]!), `train loss falls: ${losses.join(', ')}`);
  assert.ok(done.trained_tokens! > 0);

  const models = await conn.models.list();
  const card = models.data?.find((m) => 'id' in m && m.id === done.fine_tuned_model);
  assert.ok(card && 'root' in card && card.root === 'pixtral-12b-latest');

  const tuned = await accuracy(done.fine_tuned_model!);
  const base = await accuracy('pixtral-12b-latest');

  assert.ok(tuned.acc >= 0.9, `fine-tuned accuracy ${tuned.acc}`);
  assert.ok(tuned.acc - base.acc >= 0.25, `fine-tuned ${tuned.acc} vs base ${base.acc}`);
  assert.equal(tuned.outside, 0);
});

test('the base model is deterministic given the image', async () => {
  const a = await classify('mistral-small-latest', fixture.test[3]!.dataUrl);
  const b = await classify('mistral-small-latest', fixture.test[3]!.dataUrl);
  assert.equal(a, b);
});

async function failingJob(lines: string[], name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  const up = await conn.files.upload(path, 'fine-tune');
  const job = await conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: up.file.id }], hyperparameters: { training_steps: 5 }, auto_start: true });
  const done = await conn.waitForJob(job.id, { pollMs: 20 });
  assert.equal(done.status, 'FAILED_VALIDATION');
  return jobFailureMessage(done) ?? '';
}

test('bad training files fail validation with a readable message', async () => {
  const good = trainingLine(fixture.systemPrompt, fixture.train[0]!.dataUrl, 'forest');
  const lastUser = JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: fixture.train[0]!.dataUrl }] }] });
  assert.match(await failingJob([good, lastUser], 'last-user.jsonl'), /Line 2: the last message must be the assistant's answer/);

  const broken = trainingLine(fixture.systemPrompt, 'data:image/jpeg;base64,' + Buffer.from('not an image at all').toString('base64'), 'forest');
  assert.match(await failingJob([broken, good], 'broken-image.jsonl'), /Line 1, image 1: the image could not be decoded/);

  assert.match(await failingJob([good, '{not json'], 'bad-json.jsonl'), /Line 2 is not valid JSON/);

  const png = trainingLine(fixture.systemPrompt, dataUrl(await makeImage([10, 200, 10], () => 0.5, 16, 'png'), 'image/png'), 'forest');
  assert.match(await failingJob([good, png], 'one-label.jsonl'), /at least two different labels/);
});

test('a running job can be cancelled', async () => {
  const slowBox = await startSandbox({ port: 0, speed: 2 });
  try {
    const c = createMistralConnection({ apiKey: slowBox.apiKey, serverUrl: slowBox.url });
    const up = await c.files.upload(fixture.trainPath, 'fine-tune');
    const job = await c.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: up.file.id }], hyperparameters: { epochs: 1 }, auto_start: true });
    const cancelled = await c.jobs.cancel(job.id);
    assert.equal(cancelled.status, 'CANCELLATION_REQUESTED');
    const done = await c.waitForJob(job.id, { pollMs: 50 });
    assert.equal(done.status, 'CANCELLED');
    assert.equal(done.fine_tuned_model, null);
  } finally {
    await slowBox.close();
  }
});

test('jobs list pages newest first and filters by status', async () => {
  // Its own sandbox and its own jobs: the counts below do not depend on what other tests created.
  const box = await startSandbox({ port: 0, speed: 100 });
  try {
    const c = createMistralConnection({ apiKey: box.apiKey, serverUrl: box.url });
    // Five different files (the service refuses a job just like one already queued): good ones repeat
    // their first line i times, bad ones are not JSON.
    const trainText = await readFile(fixture.trainPath, 'utf8');
    const upload = async (i: number, good: boolean) => {
      const path = join(dir, `list-${i}.jsonl`);
      await writeFile(path, good ? trainText + `${trainText.split('\n')[0]}\n`.repeat(i) : `{not json ${i}\n`);
      return (await c.files.upload(path, 'fine-tune')).file.id;
    };
    const made = [];
    for (const [i, good] of [true, false, true, false, true].entries()) {
      made.push(await c.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: await upload(i, good) }], hyperparameters: { training_steps: 5 }, auto_start: false }));
    }
    for (const j of made) await c.waitForJob(j.id, { pollMs: 20, until: (x) => x.status !== 'QUEUED' && x.status !== 'VALIDATING' });

    const all = await c.jobs.list({ page_size: 2 });
    assert.equal(all.total, 5);
    assert.equal(all.data.length, 2);
    const collected = [];
    for await (const j of c.jobs.listAll({ page_size: 2 })) collected.push(j);
    assert.deepEqual(collected.map((j) => j.id), made.map((j) => j.id).reverse(), 'every job once, newest first');
    const failed = await c.jobs.list({ status: 'FAILED_VALIDATION' });
    assert.equal(failed.total, 2);
    assert.deepEqual(failed.data.map((j) => j.id).sort(), [made[1]!.id, made[3]!.id].sort());
  } finally {
    await box.close();
  }
});

test('create validates like the service: 422 with the field named', async () => {
  const up = await conn.files.upload(fixture.trainPath, 'fine-tune');
  await assert.rejects(
    conn.jobs.create({ model: 'mistral-small-latest', training_files: [{ file_id: up.file.id }], hyperparameters: {} }),
    (e: Error & { kind?: string }) => e.kind === 'fine-tuning-unavailable',
  );
  const batchFile = await conn.files.upload(fixture.trainPath, 'batch');
  await assert.rejects(
    conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: batchFile.file.id }], hyperparameters: {} }),
    (e: Error & { kind?: string }) => e.kind === 'validation' && /training_files\.0: .*purpose "batch"/.test(e.message),
  );
});

test('waitForJob returns a job that ended before reaching the awaited state, instead of polling forever', async () => {
  const path = join(dir, 'never-runs.jsonl');
  await writeFile(path, '{not json\n');
  const up = await conn.files.upload(path, 'fine-tune');
  const job = await conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: up.file.id }], hyperparameters: { training_steps: 3 }, auto_start: true });
  const ended = await conn.waitForJob(job.id, { pollMs: 20, maxPollMs: 50, until: (j) => j.status === 'RUNNING', signal: AbortSignal.timeout(15_000) });
  assert.equal(ended.status, 'FAILED_VALIDATION');
});
