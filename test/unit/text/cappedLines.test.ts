// validate crashed with an uncaught RangeError on a 600 MB file without newlines: lines are capped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cappedLines, type CappedLine } from '../../../src/core/text/cappedLines';
import { validateJsonlFile } from '../../../src/core/training/validateJsonl';

async function collect(chunks: string[], max: number): Promise<CappedLine[]> {
  async function* gen() {
    for (const c of chunks) yield Buffer.from(c);
  }
  const out: CappedLine[] = [];
  for await (const l of cappedLines(gen(), max)) out.push(l);
  return out;
}

test('lines across chunk boundaries, CRLF, a last line without newline', async () => {
  assert.deepEqual(await collect(['ab', 'c\nde', 'f\r\n', 'g'], 10), [
    { text: 'abc', bytes: 3 },
    { text: 'def', bytes: 4 },
    { text: 'g', bytes: 1 },
  ]);
  assert.deepEqual(await collect(['a\n\n'], 10), [{ text: 'a', bytes: 1 }, { text: '', bytes: 0 }]);
  assert.deepEqual(await collect([], 10), []);
});

test('a line over the cap is reported by size and reading goes on at the next line', async () => {
  assert.deepEqual(await collect(['12345', '67890', 'abc\nok\n', 'x'.repeat(11)], 10), [
    { tooLong: true, bytes: 13 },
    { text: 'ok', bytes: 2 },
    { tooLong: true, bytes: 11 },
  ]);
  assert.deepEqual(await collect(['1234567890\n'], 10), [{ text: '1234567890', bytes: 10 }], 'exactly the cap is fine');
});

test('validate on a 600 MB file without newlines: one clear error, no RangeError, also through the CLI --json', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-longline-'));
  try {
    const file = join(dir, 'one-line.jsonl');
    await writeFile(file, '{"messages": [');
    await truncate(file, 600 * 1024 * 1024);
    const r = await validateJsonlFile(file);
    assert.equal(r.ok, false);
    assert.equal(r.lines, 1);
    assert.match(r.errors.map((e) => e.message).join('\n'), /the line is 600 MB, over the 64(\.0)? MB limit/);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join('src', 'cli.ts'), 'validate', file, '--json']).catch((e) => e as { stdout: string });
    const doc = JSON.parse(stdout);
    assert.match(JSON.stringify(doc), /over the 64(\.0)? MB limit/);
    assert.doesNotMatch(JSON.stringify(doc), /RangeError|Invalid string length/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a predictions file without newlines is one problem line, not a RangeError', { timeout: 60_000 }, async () => {
  const { readPredictions } = await import('../../../src/core/evaluation/predictionsFile');
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-longline-'));
  try {
    const file = join(dir, 'model.jsonl');
    const ok = JSON.stringify({ custom_id: '0', path: 'a/x.jpg', truth: 'a', predicted: 'a', valid: true, raw: 'a' });
    await writeFile(file, `${ok}\n{"custom_id": "1", "raw": "`);
    await truncate(file, 40 * 1024 * 1024);
    const read = await readPredictions(file);
    assert.deepEqual(read.records.map((r) => r.custom_id), ['0']);
    assert.equal(read.lines, 2);
    assert.match(read.problems.join('\n'), /line 2: \d+ bytes, longer than any prediction record/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
