// The record preview's model: any line of a real run's files read by its byte offset, shown as messages with
// the image as a checked data URL and the answer's label read out; bad lines say what is wrong in one sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { indexLines, lineCount, previewRecordLine, readLine } from '../../../src/core/training/recordPreview';
import { prepareTrainingData } from '../../../src/core/training/prepareTrainingData';
import { makeDataset, tempDir } from './trainingFixtures';

test('every line of a written run reads back by offset and previews as image, prompt and answer', async () => {
  const ds = await makeDataset(['airport', 'beach'], 4, 48);
  const out = await tempDir();
  await prepareTrainingData(ds, { split: { train: 0.5, validation: 0, test: 0.5, seed: 1 } }, out);
  const file = join(out, 'train.jsonl');
  const offsets = await indexLines(file);
  const raw = (await readFile(file, 'utf8')).trimEnd().split('\n');
  assert.equal(lineCount(offsets), raw.length);
  for (let i = 1; i <= raw.length; i++) assert.equal(await readLine(file, offsets, i), raw[i - 1]);
  assert.equal(await readLine(file, offsets, raw.length + 1), undefined);

  const p = previewRecordLine(raw[0]!, 1, raw.length, ['airport', 'beach']);
  assert.equal(p.kind, 'fine-tuning example');
  assert.deepEqual(p.messages.map((m) => m.role), ['system', 'user', 'assistant']);
  assert.match(p.messages[0]!.text, /airport.*beach/s);
  assert.equal(p.messages[1]!.images.length, 1);
  assert.match(p.messages[1]!.images[0]!, /^data:image\/jpeg;base64,/);
  assert.ok(p.answer?.inClassList);
  assert.ok(['airport', 'beach'].includes(p.answer!.label!));
  assert.ok(p.answer!.description, 'the reference template\'s image_description is read out');

  const batch = (await readFile(join(out, 'test.batch.jsonl'), 'utf8')).split('\n')[0]!;
  const b = previewRecordLine(batch, 1, 4);
  assert.equal(b.kind, 'batch request');
  assert.match(b.customId!, /^\d+$/);
  assert.equal(b.answer, undefined, 'a batch request has no answer');
});

test('bad lines and unsafe images are reported, not shown', async () => {
  assert.equal(previewRecordLine('{"messages": [not json', 2, 3).problem, 'Line 2 is not valid JSON.');
  assert.match(previewRecordLine('{"prompt": "x"}', 1, 1).problem!, /no "messages" list/);
  const svg = `data:image/svg+xml;base64,${Buffer.from('<svg onload="alert(1)"/>').toString('base64')}`;
  const line = JSON.stringify({ messages: [
    { role: 'user', content: [{ type: 'image_url', image_url: svg }, { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } }, { type: 'text', text: '<b>hi</b>' }] },
    { role: 'assistant', content: '{"label": "volcano"}' },
  ] });
  const p = previewRecordLine(line, 1, 1, ['beach']);
  assert.deepEqual(p.messages[0]!.images, []);
  assert.equal(p.messages[0]!.unshown.length, 2);
  assert.equal(p.messages[0]!.text, '<b>hi</b>', 'text is passed as text; the page sets it with textContent');
  assert.deepEqual(p.answer, { label: 'volcano', description: undefined, inClassList: false });
});

test('a file without a final newline, and an empty file', async () => {
  const dir = await tempDir();
  const f = join(dir, 'x.jsonl');
  await writeFile(f, '{"a":1}\r\n{"b":2}');
  const offsets = await indexLines(f);
  assert.equal(lineCount(offsets), 2);
  assert.equal(await readLine(f, offsets, 1), '{"a":1}');
  assert.equal(await readLine(f, offsets, 2), '{"b":2}');
  await writeFile(f, '');
  assert.equal(lineCount(await indexLines(f)), 0);
});
