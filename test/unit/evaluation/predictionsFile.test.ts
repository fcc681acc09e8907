import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listEvaluations } from '../../../src/core/evaluation/listEvaluations';
import { PredictionsAppender, compactPredictions, modelSlug, predictionsPath, readPredictions } from '../../../src/core/evaluation/predictionsFile';
import { rec } from './runFixture';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-predfile-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('modelSlug: plain ids stay, others are cleaned and made unique by a hash', () => {
  assert.equal(modelSlug('pixtral-12b-latest'), 'pixtral-12b-latest');
  const ft = modelSlug('ft:pixtral-12b-latest:abc:20250101:1234abcd');
  assert.match(ft, /^ft-pixtral-12b-latest-abc-20250101-1234abcd-[0-9a-f]{8}$/);
  assert.notEqual(modelSlug('org/model'), modelSlug('org:model'), 'ids that clean alike get different files');
  assert.match(modelSlug('../../etc/passwd'), /^etc-passwd-[0-9a-f]{8}$/);
  assert.match(modelSlug('...'), /^model-[0-9a-f]{8}$/);
  assert.equal(predictionsPath('/r', 'm'), join('/r', 'predictions', 'm.jsonl'));
});

test('appender: synced lines, concurrent appends all land, last line per custom_id wins, compaction', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'predictions', 'm.jsonl');
    const a = await PredictionsAppender.open(file);
    await Promise.all([1, 2, 3, 4, 5].map((i) => a.append(rec(i, 'x', i === 3 ? null : 'x', i === 3 ? { error: 'HTTP 500', raw: '' } : {}))));
    await a.append(rec(3, 'x', 'y'));
    await a.close();
    const read = await readPredictions(file);
    assert.equal(read.lines, 6);
    assert.equal(read.superseded, 1);
    assert.equal(read.records.length, 5);
    assert.equal(read.records.find((r) => r.custom_id === '3')!.predicted, 'y');
    await compactPredictions(file);
    const text = await readFile(file, 'utf8');
    assert.equal(text.trim().split('\n').length, 5, 'one line per image after compaction');
    await assert.rejects(a.append(rec(9, 'x', 'x')), /closed/);
  });
});

test('a torn last line is ignored when reading and cut off when appending again', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'p.jsonl');
    await writeFile(file, JSON.stringify(rec(1, 'x', 'x')) + '\n' + '{"custom_id": "2", "pa');
    const read = await readPredictions(file);
    assert.deepEqual(read.problems, []);
    assert.equal(read.records.length, 1);
    const a = await PredictionsAppender.open(file);
    await a.append(rec(2, 'x', 'x'));
    await a.close();
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    assert.equal(lines.length, 2);
    lines.forEach((l) => JSON.parse(l));
  });
});

test('bad lines in the middle are problems with line numbers, and compaction keeps such a file as it is', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'p.jsonl');
    await writeFile(file, [JSON.stringify(rec(1, 'x', 'x')), 'not json', JSON.stringify({ custom_id: '2' }), JSON.stringify(rec(1, 'x', 'y'))].join('\n') + '\n');
    const read = await compactPredictions(file);
    assert.equal(read.problems.length, 2);
    assert.match(read.problems[0]!, /^line 2: not valid JSON/);
    assert.match(read.problems[1]!, /^line 3: /);
    assert.equal((await readFile(file, 'utf8')).split('\n').filter(Boolean).length, 4, 'nothing the user may want is dropped');
  });
});

test('listEvaluations: model from the lines, line counts, newest first; other files ignored', async () => {
  await withDir(async (dir) => {
    const one = predictionsPath(dir, 'ft:pixtral:x');
    const a = await PredictionsAppender.open(one);
    await a.append(rec(1, 'x', 'x', { model: 'ft:pixtral:x' }));
    await a.append(rec(2, 'x', 'x', { model: 'ft:pixtral:x' }));
    await a.close();
    await new Promise((r) => setTimeout(r, 20));
    await appendFile(join(dir, 'predictions', 'elsewhere.jsonl'), JSON.stringify(rec(1, 'x', 'x')) + '\n');
    await writeFile(join(dir, 'predictions', '.m.batch.json'), '{}');
    await writeFile(join(dir, 'predictions', 'notes.txt'), 'x');
    const list = await listEvaluations(dir);
    assert.deepEqual(list.map((l) => [l.model, l.lines]), [['elsewhere', 1], ['ft:pixtral:x', 2]]);
    assert.deepEqual(await listEvaluations(join(dir, 'nothing')), []);
  });
});
