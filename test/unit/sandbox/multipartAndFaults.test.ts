import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { multipartFromFile } from '../../../src/core/mistral/fileUpload';
import { FaultInjector, parseFaultSpec } from '../../../src/core/sandbox/faults';
import { MultipartError, boundaryOf, parseMultipartToDisk } from '../../../src/core/sandbox/multipart';
import { writeFile } from 'node:fs/promises';

async function* chunks(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

test('multipart: our streamed body round-trips through the sandbox parser at every chunk size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-mp-'));
  try {
    // Content that contains boundary-like text and CRLFs, to catch naive splitting.
    const content = Buffer.from('{"a":1}\r\n--not-the-boundary\r\n{"b":"\\r\\n--"}\n'.repeat(20));
    const src = join(dir, 'in.jsonl');
    await writeFile(src, content);
    const { body, headers } = multipartFromFile(src, content.length, 'in "x".jsonl', { purpose: 'fine-tune' });
    const raw = Buffer.concat(await body.toArray());
    assert.equal(raw.length, Number(headers['content-length']), 'Content-Length is exact');
    const boundary = boundaryOf(headers['content-type'])!;
    for (const size of [1, 2, 3, 7, 64, 1000, raw.length]) {
      const r = await parseMultipartToDisk(chunks(raw, size), boundary, dir, 1e9);
      assert.equal(r.fields.purpose, 'fine-tune');
      assert.equal(r.files.length, 1);
      const part = r.files[0]!;
      assert.equal(part.filename, 'in _x_.jsonl');
      assert.equal(part.bytes, content.length);
      assert.equal(part.lines, 60);
      assert.ok((await readFile(part.path)).equals(content), `chunk size ${size}`);
    }
    await assert.rejects(parseMultipartToDisk(chunks(raw, 100), boundary, dir, 50), (e: MultipartError) => e.status === 413);
    await assert.rejects(parseMultipartToDisk(chunks(raw.subarray(0, raw.length - 20), 100), boundary, dir, 1e9), MultipartError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fault spec parsing and consumption', () => {
  const rules = parseFaultSpec('429:/v1/models:2:3, 500:/v1/files*:1, delay:/v1/chat/*:*:250, drop:/v1/models:1');
  assert.deepEqual(rules[0], { kind: 'status', status: 429, pattern: '/v1/models', count: 2, value: 3 });
  assert.equal(rules[2]!.count, Infinity);
  const f = new FaultInjector(rules);
  assert.equal(f.take('GET', '/v1/models')?.status, 429);
  assert.equal(f.take('GET', '/v1/models')?.status, 429);
  assert.equal(f.take('GET', '/v1/models')?.kind, 'drop');
  assert.equal(f.take('GET', '/v1/models'), undefined);
  assert.equal(f.take('GET', '/v1/files/abc/content')?.status, 500);
  assert.equal(f.take('GET', '/v1/files'), undefined);
  assert.equal(f.take('POST', '/v1/chat/completions')?.value, 250);
  assert.throws(() => parseFaultSpec('teapot:/v1/models:1'), /unknown kind/);
  assert.throws(() => parseFaultSpec('429:v1/models:1'), /expected/);
  assert.throws(() => parseFaultSpec('429:/v1/models:0'), /count/);
});
