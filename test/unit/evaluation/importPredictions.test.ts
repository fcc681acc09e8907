// Joining answers made elsewhere to a prepared run: Mistral Batch API output + error files (out of
// order, missing lines), the trainer's predict output (same format), and foreign predictions files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { importPredictions } from '../../../src/core/evaluation/importPredictions';
import { readPredictions } from '../../../src/core/evaluation/predictionsFile';
import { loadRunForEvaluation, type RunForEvaluation } from '../../../src/core/evaluation/runContext';
import { makeRun, type RunFixture } from './runFixture';

let fx: RunFixture;
let run: RunForEvaluation;

before(async () => {
  fx = await makeRun({ perClass: 6 });
  run = await loadRunForEvaluation(fx.runDir);
});
after(() => fx.cleanup());

const answer = (custom_id: string, content: string, model = 'pixtral-12b-latest') =>
  JSON.stringify({ id: `batch-${custom_id}`, custom_id, response: { status_code: 200, body: { model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 } } }, error: null });

test('batch output and error file: out of order, missing lines, unknown ids, garbage reported', async () => {
  const items = run.testItems;
  assert.ok(items.length >= 10);
  const out = join(fx.dir, 'out.jsonl');
  const errs = join(fx.dir, 'errors.jsonl');
  const answered = items.slice(0, items.length - 3).reverse(); // reversed order; the last 3 have no line
  await writeFile(out, [...answered.slice(1).map((t) => answer(t.custom_id, '```json\n' + JSON.stringify({ image_description: 'd', label: t.truth }) + '\n```')), answer('99999', '{"label": "x"}'), 'garbage'].join('\n') + '\n');
  await writeFile(errs, JSON.stringify({ id: 'e', custom_id: answered[0]!.custom_id, response: { status_code: 400, body: { message: 'Image could not be read' } }, error: { message: 'Image could not be read', code: '400' } }) + '\n');
  const r = await importPredictions({ run, files: [out, errs] });
  assert.equal(r.model, 'pixtral-12b-latest', 'the model named in the lines');
  assert.equal(r.imported, answered.length);
  assert.equal(r.errors, 1);
  assert.deepEqual(r.missing, items.slice(-3).map((t) => t.custom_id));
  assert.equal(r.unknown, 1);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /line \d+: not valid JSON/);
  const { records } = await readPredictions(r.file);
  const byId = new Map(records.map((x) => [x.custom_id, x]));
  const one = byId.get(answered[1]!.custom_id)!;
  assert.equal(one.predicted, one.truth);
  assert.equal(one.description, 'd');
  assert.deepEqual(one.usage, { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
  assert.equal(one.path, run.testItems.find((t) => t.custom_id === one.custom_id)!.path, 'path from the manifest');
  assert.equal(byId.get(answered[0]!.custom_id)!.error, 'Image could not be read');
});

test('an error line never replaces an answer for the same image; the trainer format (response null) is read', async () => {
  const [a, b] = run.testItems;
  const out = join(fx.dir, 'trainer.jsonl');
  await writeFile(out, [answer(a!.custom_id, 'forest'), JSON.stringify({ custom_id: a!.custom_id, response: null, error: { message: 'late failure' } }), JSON.stringify({ custom_id: b!.custom_id, response: null, error: { message: 'CUDA out of memory' }, latency_ms: 12 })].join('\n') + '\n');
  const r = await importPredictions({ run, files: [out], model: 'my-lora', out: join(fx.dir, 'trainer-preds.jsonl') });
  const { records } = await readPredictions(r.file);
  assert.equal(records.find((x) => x.custom_id === a!.custom_id)!.error, undefined);
  const failed = records.find((x) => x.custom_id === b!.custom_id)!;
  assert.equal(failed.error, 'CUDA out of memory');
  assert.equal(failed.latencyMs, 12);
  assert.ok(records.every((x) => x.model === 'my-lora'));
});

test('a predictions file made elsewhere: raw is parsed again, a bare label is matched, nothing invented', async () => {
  const [a, b, c] = run.testItems;
  const f = join(fx.dir, 'foreign.jsonl');
  await writeFile(
    f,
    [
      JSON.stringify({ custom_id: Number(a!.custom_id), raw: `{"label": "${a!.truth.toUpperCase()}"}` }),
      JSON.stringify({ custom_id: b!.custom_id, predicted: b!.truth }),
      JSON.stringify({ custom_id: c!.custom_id, label: 'cloud cover' }),
    ].join('\n') + '\n',
  );
  const r = await importPredictions({ run, files: [f], model: 'elsewhere', out: join(fx.dir, 'foreign-preds.jsonl') });
  const { records } = await readPredictions(r.file);
  const byId = new Map(records.map((x) => [x.custom_id, x]));
  assert.equal(byId.get(a!.custom_id)!.predicted, a!.truth);
  assert.equal(byId.get(b!.custom_id)!.valid, true);
  assert.equal(byId.get(c!.custom_id)!.valid, false);
  assert.equal(byId.get(c!.custom_id)!.raw, 'cloud cover');
});

test('a file of another run, and a file that names no model, are refused with one sentence', async () => {
  const f = join(fx.dir, 'other-run.jsonl');
  await writeFile(f, answer('123456', 'forest') + '\n');
  await assert.rejects(importPredictions({ run, files: [f] }), /No line of .* matches an image of this run/);
  const g = join(fx.dir, 'anonymous.jsonl');
  await writeFile(g, JSON.stringify({ custom_id: run.testItems[0]!.custom_id, predicted: 'x' }) + '\n');
  await assert.rejects(importPredictions({ run, files: [g] }), /does not say which model/);
  assert.equal(await readFile(join(fx.runDir, 'predictions', 'anonymous.jsonl'), 'utf8').catch(() => 'absent'), 'absent');
});

test('manifest names that lead outside the run are refused (shared containedPath rule)', async () => {
  const manifestPath = join(fx.runDir, 'manifest.json');
  const original = await readFile(manifestPath, 'utf8');
  try {
    const m = JSON.parse(original) as { files: { name: string; kind: string }[] };
    m.files.find((x) => x.kind === 'batch')!.name = '../../../etc/passwd';
    await writeFile(manifestPath, JSON.stringify(m));
    await assert.rejects(loadRunForEvaluation(fx.runDir), /was refused: the name leads out of the folder/);
  } finally {
    await writeFile(manifestPath, original);
  }
});

test('a manifest class that is not a plain folder name, or a datasetRoot of / or home, is refused with one sentence', async () => {
  const manifestPath = join(fx.runDir, 'manifest.json');
  const original = await readFile(manifestPath, 'utf8');
  const withChange = async (change: (m: { classes: string[]; datasetRoot: string }) => void) => {
    const m = JSON.parse(original) as { classes: string[]; datasetRoot: string };
    change(m);
    await writeFile(manifestPath, JSON.stringify(m));
  };
  try {
    await withChange((m) => (m.classes[0] = '../../x'));
    await assert.rejects(loadRunForEvaluation(fx.runDir), /not a Pixtune manifest \(classes\.0: class "\.\.\/\.\.\/x" is refused: the name leads out of the folder/);
    await withChange((m) => (m.classes[0] = 'a/b'));
    await assert.rejects(loadRunForEvaluation(fx.runDir), /class "a\/b" is refused: the name is not a plain file name/);
    for (const [root, why] of [['/', 'the root of the file system'], [homedir(), 'the home folder'], ['data/aid', 'not an absolute path']] as const) {
      await withChange((m) => (m.datasetRoot = root));
      await assert.rejects(loadRunForEvaluation(fx.runDir), new RegExp(`datasetRoot: datasetRoot ".*" is refused: it is ${why}`));
    }
  } finally {
    await writeFile(manifestPath, original);
  }
});
