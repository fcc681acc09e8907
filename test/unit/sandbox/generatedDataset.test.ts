// On the shared generated "aerial-like" dataset, with compact {"label"} answers: the sandbox's
// fine-tuned model learns the training images and beats the base model on held-out ones, and
// answers in the compact format its training answers used.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { generateDataset } from '../../fixtures/generateDataset';
import { createMistralConnection, type MistralConnection } from '../../../src/core/mistral/connection';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';

let sandbox: Sandbox;
let conn: MistralConnection;
let dir: string;

before(async () => {
  sandbox = await startSandbox({ port: 0, speed: 50 });
  conn = createMistralConnection({ apiKey: sandbox.apiKey, serverUrl: sandbox.url });
  dir = await mkdtemp(join(tmpdir(), 'pixtune-gen-'));
});

after(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

test('fine-tuned beats base on a generated dataset (compact answers)', async () => {
  const ds = await generateDataset(join(dir, 'ds'), { perClass: 12, size: 64, seed: 3 });
  const system = `Classify the image into exactly one of these classes: ${ds.classes.join('; ')}.\nAnswer only with a JSON object {"label": "<class>"}.`;
  const byClass = new Map<string, string[]>();
  for (const f of ds.files) byClass.set(basename(dirname(f)), [...(byClass.get(basename(dirname(f))) ?? []), f]);
  const train: { label: string; url: string }[] = [];
  const held: { label: string; url: string }[] = [];
  for (const [label, files] of byClass) {
    for (const [i, f] of files.entries()) (i < 7 ? train : held).push({ label, url: `data:image/jpeg;base64,${(await readFile(f)).toString('base64')}` });
  }
  const trainPath = join(dir, 'train.jsonl');
  await writeFile(
    trainPath,
    train.map((t) => JSON.stringify({ messages: [{ role: 'system', content: system }, { role: 'user', content: [{ type: 'image_url', image_url: { url: t.url } }] }, { role: 'assistant', content: JSON.stringify({ label: t.label }) }] })).join('\n') + '\n',
  );
  const up = await conn.files.upload(trainPath, 'fine-tune');
  const job = await conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: up.file.id }], hyperparameters: { training_steps: 5 }, auto_start: true });
  const done = await conn.waitForJob(job.id, { pollMs: 20 });
  assert.equal(done.status, 'SUCCESS');

  const score = async (model: string) => {
    let right = 0;
    for (const h of held) {
      const res = await conn.chat.complete({ model, messages: [{ role: 'system', content: system }, { role: 'user', content: [{ type: 'image_url', imageUrl: h.url }] }] });
      const text = String(res.choices[0]?.message?.content);
      if (model === done.fine_tuned_model) assert.match(text, /^\{"label":"[^"]+"\}$/, 'compact, like the training answers');
      if ((JSON.parse(text) as { label: string }).label === h.label) right++;
    }
    return right / held.length;
  };
  const tuned = await score(done.fine_tuned_model!);
  const base = await score('pixtral-12b-latest');
  assert.ok(tuned >= 0.9, `fine-tuned accuracy ${tuned}`);
  assert.ok(tuned - base >= 0.3, `fine-tuned ${tuned} vs base ${base}`);
});
