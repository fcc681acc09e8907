// The official SDK (2.7.0) validates every response with its own zod schemas: driving the sandbox
// with it proves the sandbox's wire shapes (field names, required fields, content types) are right.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mistral } from '@mistralai/mistralai';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { buildTrainingFixture, type TrainingFixture } from './trainingFixture';

let sandbox: Sandbox;
let sdk: Mistral;
let dir: string;
let fixture: TrainingFixture;

before(async () => {
  sandbox = await startSandbox({ port: 0, speed: 50 });
  sdk = new Mistral({ apiKey: sandbox.apiKey, serverURL: sandbox.url });
  dir = await mkdtemp(join(tmpdir(), 'pixtune-sdk-'));
  fixture = await buildTrainingFixture(dir, { classes: ['forest', 'river'], perClass: 2, testPerClass: 2 });
});

after(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

test('models.list parses, with vision capabilities', async () => {
  const list = await sdk.models.list();
  const ids = (list.data ?? []).map((m) => ('id' in m ? m.id : undefined));
  assert.ok(ids.includes('pixtral-12b-latest'));
  for (const m of list.data ?? []) assert.equal('isUnknown' in m, false, 'every model card matches a known SDK variant');
});

test('files: upload (disk-backed Blob), list, retrieve, download, delete', async () => {
  const blob = await openAsBlob(fixture.trainPath);
  const file = new File([blob], 'train.jsonl');
  const up = await sdk.files.upload({ file, purpose: 'fine-tune' });
  assert.equal(up.filename, 'train.jsonl');
  assert.equal(up.sizeBytes, blob.size);
  assert.equal(up.sampleType, 'instruct');
  assert.equal(up.numLines, 4);

  const list = await sdk.files.list({});
  assert.ok((list.data ?? []).some((f) => f.id === up.id));
  const got = await sdk.files.retrieve({ fileId: up.id });
  assert.equal(got.deleted, false);
  assert.equal(got.purpose, 'fine-tune');

  const stream = await sdk.files.download({ fileId: up.id });
  const bytes = Buffer.from(await new Response(stream).arrayBuffer());
  assert.equal(bytes.length, blob.size);
  assert.ok(bytes.equals(Buffer.from(await blob.arrayBuffer())));

  const del = await sdk.files.delete({ fileId: up.id });
  assert.equal(del.deleted, true);
  await assert.rejects(sdk.files.retrieve({ fileId: up.id }), (e: { statusCode?: number }) => e.statusCode === 404);
});

test('chat.complete with an image (both image_url forms)', async () => {
  for (const imageUrl of [fixture.test[0]!.dataUrl, { url: fixture.test[0]!.dataUrl }]) {
    const res = await sdk.chat.complete({
      model: 'pixtral-12b-latest',
      messages: [
        { role: 'system', content: fixture.systemPrompt },
        { role: 'user', content: [{ type: 'text', text: 'Classify.' }, { type: 'image_url', imageUrl }] },
      ],
      temperature: 0,
    });
    const content = res.choices[0]?.message?.content;
    assert.equal(typeof content, 'string');
    assert.match(content as string, /"label"/);
    assert.ok((res.usage.promptTokens ?? 0) > 0);
  }
});

test('batch: create, get, list, cancel, and output lines joined by custom_id', async () => {
  const lines = fixture.test.map((t, i) =>
    JSON.stringify({ custom_id: `img-${i}`, body: { messages: [{ role: 'system', content: fixture.systemPrompt }, { role: 'user', content: [{ type: 'image_url', image_url: t.dataUrl }] }] } }),
  );
  const inputPath = join(dir, 'batch.jsonl');
  await writeFile(inputPath, lines.join('\n') + '\n');
  const input = await sdk.files.upload({ file: new File([await openAsBlob(inputPath)], 'batch.jsonl'), purpose: 'batch' });
  assert.equal(input.sampleType, 'batch_request');

  const job = await sdk.batch.jobs.create({ inputFiles: [input.id], endpoint: '/v1/chat/completions', model: 'pixtral-12b-latest', metadata: { run: 'sdk-test' } });
  assert.equal(job.status, 'QUEUED');
  let current = job;
  for (let i = 0; i < 200 && !['SUCCESS', 'FAILED', 'CANCELLED'].includes(current.status); i++) {
    await new Promise((r) => setTimeout(r, 20));
    current = await sdk.batch.jobs.get({ jobId: job.id });
  }
  assert.equal(current.status, 'SUCCESS');
  assert.equal(current.totalRequests, lines.length);
  assert.equal(current.succeededRequests, lines.length);
  const listed = await sdk.batch.jobs.list({});
  assert.ok((listed.data ?? []).some((b) => b.id === job.id));

  const out = await new Response(await sdk.files.download({ fileId: current.outputFile! })).text();
  const ids = out.trim().split('\n').map((l) => JSON.parse(l).custom_id as string);
  assert.deepEqual([...ids].sort(), lines.map((_, i) => `img-${i}`).sort());

  const second = await sdk.batch.jobs.create({ inputFiles: [input.id], endpoint: '/v1/chat/completions', model: 'pixtral-12b-latest' });
  const cancelled = await sdk.batch.jobs.cancel({ jobId: second.id });
  assert.ok(['CANCELLATION_REQUESTED', 'CANCELLED'].includes(cancelled.status));
});

test('a wrong key gets 401 in a shape the SDK reports as an API error', async () => {
  const bad = new Mistral({ apiKey: 'wrong', serverURL: sandbox.url });
  await assert.rejects(bad.models.list(), (e: { statusCode?: number }) => e.statusCode === 401);
});
