// Every evaluation reader of a JSONL file we did not write caps its lines (text/cappedLines): a huge
// file without newlines (here a sparse 600 MB file of NULs, past V8's string limit) gives a clear
// problem or message, never readline's RangeError.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importPredictions } from '../../../src/core/evaluation/importPredictions';
import { listEvaluations } from '../../../src/core/evaluation/listEvaluations';
import { PREDICTIONS_DIR } from '../../../src/core/evaluation/predictionsFile';
import { loadRunForEvaluation, type RunForEvaluation } from '../../../src/core/evaluation/runContext';
import { UserError } from '../../../src/core/errors';
import { makeRun, type RunFixture } from './runFixture';

const HUGE = 600 * 1024 * 1024;
let fx: RunFixture;
let run: RunForEvaluation;

before(async () => {
  fx = await makeRun({ perClass: 4 });
  run = await loadRunForEvaluation(fx.runDir);
});
after(() => fx.cleanup());

async function hugeFileAfter(file: string, head: string): Promise<void> {
  await writeFile(file, head);
  await truncate(file, HUGE); // sparse: no disk used, every byte a NUL, no newline
}

test('import: a newline-less 600 MB file is one problem line naming its size', async () => {
  const t = run.testItems[0]!;
  const out = join(fx.dir, 'huge-output.jsonl');
  const answer = JSON.stringify({ custom_id: t.custom_id, response: { status_code: 200, body: { model: 'm', choices: [{ message: { content: JSON.stringify({ label: t.truth }) } }] } } });
  await hugeFileAfter(out, answer + '\n');
  const r = await importPredictions({ run, files: [out] });
  assert.equal(r.imported, 1, 'the line before the huge one is kept');
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /line 2: \d+ bytes, longer than any answer line/);
});

test('listing: a huge predictions file is counted, not a RangeError', async () => {
  const dir = join(fx.runDir, PREDICTIONS_DIR);
  await mkdir(dir, { recursive: true });
  await hugeFileAfter(join(dir, 'huge.jsonl'), JSON.stringify({ model: 'big-model', custom_id: '0' }) + '\n');
  const list = await listEvaluations(fx.runDir);
  const huge = list.find((l) => l.slug === 'huge');
  assert.ok(huge);
  assert.equal(huge.model, 'big-model');
  assert.equal(huge.lines, 2);
});

test('run context: a test batch line past the cap is refused with one sentence', async () => {
  const file = run.testFiles[0]!;
  const text = await readFile(file, 'utf8');
  await hugeFileAfter(file, text);
  await assert.rejects(loadRunForEvaluation(fx.runDir), (err: unknown) => err instanceof UserError && /Line \d+ of .* bytes, longer than any batch request/.test(err.message));
});
