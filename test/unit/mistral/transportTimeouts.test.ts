// Our own HTTP transport (job routes, streamed uploads): a 429's Retry-After is waited for exactly;
// an upload slower than the timeout succeeds while bytes move and fails once they stop; the upload
// cache never reuses a file of another purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMistralConnection } from '../../../src/core/mistral/connection';
import { MistralError } from '../../../src/core/mistral/errors';
import { RetryPolicy } from '../../../src/core/mistral/retryPolicy';
import { startSandbox } from '../../../src/core/sandbox/server';
import { uploadFile } from '../../../src/core/mistral/fileUpload';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-transport-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("a 429 on a job route: our transport waits the server's Retry-After, then succeeds", async () => {
  const sandbox = await startSandbox({ port: 0, faults: '429:/v1/fine_tuning/jobs:2:7' });
  try {
    const sleeps: number[] = [];
    const policy = new RetryPolicy({ initialDelayMs: 10, maxAttempts: 4 }, async (ms) => void sleeps.push(ms));
    const conn = createMistralConnection({ apiKey: sandbox.apiKey, serverUrl: sandbox.url, retry: policy });
    const list = await conn.jobs.list();
    assert.ok(Array.isArray(list.data));
    assert.deepEqual(sleeps, [7000, 7000], 'Retry-After: 7 (seconds), twice, not the 10 ms backoff');
    assert.equal(sandbox.stats().requests['GET /v1/fine_tuning/jobs'], 3);
  } finally {
    await sandbox.close();
  }
});

/** An upload server that reads its request at `bytesPerTick` every `tickMs` (0: stops reading after the first chunk). */
function slowReader(bytesPerTick: number, tickMs: number): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req: IncomingMessage, res) => {
    requests++;
    let received = 0;
    req.on('data', (c: Buffer) => {
      received += c.length;
      req.pause();
      if (bytesPerTick > 0) setTimeout(() => req.resume(), Math.max(1, Math.round((c.length / bytesPerTick) * tickMs)));
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'file-1', object: 'file', bytes: received, created_at: 1, filename: 'big.jsonl', purpose: 'fine-tune', sample_type: 'instruct', source: 'upload' }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests })));
}

test('a streamed upload slower than the timeout succeeds while bytes keep moving', { timeout: 60_000 }, async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'big.jsonl');
    // ≈ 8 MB/s for 40 MB: about 5 s in all, against a 2 s timeout. The idle gap at the end (the kernel's
    // socket buffers draining after the last write) stays well under 2 s even on a loaded machine.
    await writeFile(file, Buffer.alloc(40 * 1024 * 1024, 0x61));
    const { server, url } = await slowReader(64 * 1024, 8);
    try {
      const conn = createMistralConnection({ apiKey: 'k', serverUrl: url, timeoutMs: 2000 });
      const started = Date.now();
      const r = await conn.files.upload(file, 'fine-tune');
      const took = Date.now() - started;
      assert.equal(r.file.id, 'file-1');
      assert.ok(took > 2000, `the upload took ${took} ms: longer than the 2 s timeout, so only an idle timeout lets it through`);
    } finally {
      server.close();
    }
  });
});

test('a stalled upload fails after the idle time, is not retried, and says it made no progress', { timeout: 30_000 }, async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'big.jsonl');
    await writeFile(file, Buffer.alloc(24 * 1024 * 1024, 0x61));
    const { server, url, requests } = await slowReader(0, 0);
    try {
      const conn = createMistralConnection({ apiKey: 'k', serverUrl: url, timeoutMs: 500 });
      await assert.rejects(conn.files.upload(file, 'fine-tune'), (e: unknown) => e instanceof MistralError && e.kind === 'timeout' && /made no progress for 1 s|made no progress for 0 s/.test(e.message));
      assert.equal(requests(), 1, 'an upload (not idempotent) that timed out is not sent again');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

test('the upload cache and name+size matching never reuse a file uploaded for another purpose', async () => {
  const sandbox = await startSandbox({ port: 0 });
  try {
    await withDir(async (dir) => {
      const conn = createMistralConnection({ apiKey: sandbox.apiKey, serverUrl: sandbox.url });
      const file = join(dir, 'data.jsonl');
      await writeFile(file, '{"custom_id":"1","body":{"messages":[{"role":"user","content":"hi"}]}}\n');
      const cache = join(dir, 'cache.json');
      const batch = await conn.files.upload(file, 'batch', undefined, undefined, { cachePath: cache });
      // A cache entry that claims the batch file is a fine-tune upload (an older cache, or a server that
      // deduplicates across purposes): the server's record of the file decides.
      await writeFile(cache, JSON.stringify({ version: 1, entries: { [batch.sha256]: [{ serverUrl: sandbox.url, fileId: batch.file.id, filename: 'data.jsonl', bytes: batch.file.bytes, purpose: 'fine-tune' }] } }));
      const viaCache = await conn.files.upload(file, 'fine-tune', undefined, undefined, { cachePath: cache });
      assert.equal(viaCache.reused, false);
      assert.equal(viaCache.file.purpose, 'fine-tune');
      // A server whose listing ignores the purpose filter (the listing here asks for every file).
      const viaList = await uploadFile(
        { transport: conn.transport, retrieve: async () => undefined, list: async (_p, s) => (await conn.files.list({}, s)).data.map((f) => ({ ...f, bytes: f.sizeBytes, created_at: f.createdAt }) as never) },
        file,
        'ocr',
        { matchByNameAndSize: true },
      );
      assert.equal(viaList.reused, false);
      assert.equal(viaList.file.purpose, 'ocr');
    });
  } finally {
    await sandbox.close();
  }
});
