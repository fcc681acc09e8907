// The sandbox runs inside the extension host: a failed or aborted upload must not crash it or leave
// files behind, and nothing but the user's own Pixtune may drive it (random key, Host check, bounded
// stats and bodies, temp folder gone with the process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createMistralConnection } from '../../../src/core/mistral/connection';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { hostAllowed } from '../../../src/core/sandbox/exposure';
import { withSmallFilesystem } from '../support/smallFilesystem';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

function raw(sandbox: Sandbox, opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer }): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: sandbox.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const partsIn = async (dir: string) => (await readdir(dir)).length;

function multipartHead(boundary: string, filename: string): Buffer {
  return Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/jsonl\r\n\r\n`);
}

test('a random key per start; the old fixed key is refused', async () => {
  const a = await startSandbox({ port: 0 });
  const b = await startSandbox({ port: 0 });
  try {
    assert.notEqual(a.apiKey, b.apiKey);
    assert.notEqual(a.apiKey, 'sandbox');
    assert.equal((await raw(a, { path: '/v1/models', headers: { authorization: 'Bearer sandbox' } })).status, 401);
    assert.equal((await raw(a, { path: '/v1/models', headers: { authorization: `Bearer ${b.apiKey}` } })).status, 401);
    assert.equal((await raw(a, { path: '/v1/models', headers: { authorization: `Bearer ${a.apiKey}` } })).status, 200);
  } finally {
    await a.close();
    await b.close();
  }
});

test('Host check: a DNS-rebinding page (its own host name) is refused, loopback names are served', async () => {
  const s = await startSandbox({ port: 0 });
  try {
    const auth = { authorization: `Bearer ${s.apiKey}` };
    assert.equal((await raw(s, { path: '/v1/models', headers: { ...auth, host: `attacker.example:${s.port}` } })).status, 421);
    assert.equal((await raw(s, { path: '/sandbox/identity', headers: { host: `127.attacker.example:${s.port}` } })).status, 421);
    assert.equal((await raw(s, { path: '/v1/models', headers: { ...auth, host: `localhost:${s.port}` } })).status, 200);
    assert.equal((await raw(s, { path: '/v1/models', headers: { ...auth, host: `127.0.0.1:${s.port}` } })).status, 200);
    assert.equal(hostAllowed(`[::1]:${s.port}`, s.port, '127.0.0.1'), true);
    assert.equal(hostAllowed(`127.0.0.1:${s.port + 1}`, s.port, '127.0.0.1'), false);
    assert.equal(hostAllowed(undefined, s.port, '127.0.0.1'), false);
  } finally {
    await s.close();
  }
});

test('stats need the key, identity does not, and strangers cannot grow the stats map', async () => {
  const s = await startSandbox({ port: 0 });
  try {
    assert.equal((await raw(s, { path: '/sandbox/stats' })).status, 401);
    assert.deepEqual(JSON.parse((await raw(s, { path: '/sandbox/identity' })).body), { sandbox: 'pixtune' });
    // Random paths, and every method Node's parser lets through that the sandbox has no use for.
    const methods = ['GET', 'PROPFIND', 'MKCOL', 'LOCK', 'UNLOCK', 'PURGE', 'SEARCH', 'REPORT', 'COPY', 'MOVE', 'PATCH', 'PUT'];
    for (let i = 0; i < 300; i++) await raw(s, { method: methods[i % methods.length], path: `/random/${i}/${Math.random()}` });
    const stats = await raw(s, { path: '/sandbox/stats', headers: { authorization: `Bearer ${s.apiKey}` } });
    assert.equal(stats.status, 200);
    const keys = Object.keys(JSON.parse(stats.body).requests);
    // Known methods on no route (GET, PATCH, PUT) and one bucket for the rest: 6 keys whatever was sent.
    assert.ok(keys.length <= 6, `stats keys: ${keys.join(', ')}`);
    assert.ok(keys.includes('OTHER (no such route)'), keys.join(', '));
  } finally {
    await s.close();
  }
});

test('concurrent JSON bodies share a memory budget: one over it is refused with 503 and Retry-After', async () => {
  const s = await startSandbox({ port: 0, jsonBudgetBytes: 1_000_000 });
  try {
    const headers = { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' };
    // The first body is held open (not ended) so its bytes stay reserved.
    const first = request({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/v1/chat/completions', headers });
    const firstDone = new Promise<number>((resolve, reject) => {
      first.on('response', (res) => (res.resume(), resolve(res.statusCode!)));
      first.on('error', reject);
    });
    first.write(Buffer.alloc(700_000, 0x20));
    await waitFor('the first body held in memory', async () => (s.stats().jsonBytesInMemory >= 700_000 ? true : undefined));
    const second = await raw(s, { method: 'POST', path: '/v1/chat/completions', headers, body: Buffer.alloc(700_000, 0x20) });
    assert.equal(second.status, 503);
    assert.equal(second.headers['retry-after'], '1');
    first.end();
    assert.notEqual(await firstDone, 503, 'the body within the budget was read');
    const third = await raw(s, { method: 'POST', path: '/v1/chat/completions', headers, body: Buffer.alloc(700_000, 0x20) });
    assert.notEqual(third.status, 503, 'the budget is released after each body');
    assert.equal(s.stats().jsonBytesInMemory, 0);
  } finally {
    await s.close();
  }
});

test('an aborted upload: no crash, the partial file is deleted, the sandbox keeps serving', async () => {
  const s = await startSandbox({ port: 0 });
  try {
    const boundary = 'b0undary';
    const req = request({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/v1/files', headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(50_000_000) } });
    req.on('error', () => undefined);
    req.write(multipartHead(boundary, 'big.jsonl'));
    for (let i = 0; i < 40; i++) req.write(Buffer.alloc(64 * 1024, 0x61));
    await waitFor('the partial upload on disk', async () => ((await partsIn(s.tempDir)) > 0 ? true : undefined));
    req.destroy();
    await waitFor('the partial upload to be deleted', async () => ((await partsIn(s.tempDir)) === 0 ? true : undefined));
    const conn = createMistralConnection({ apiKey: s.apiKey, serverUrl: s.url });
    assert.ok((await conn.models.list()).data?.length);
  } finally {
    await s.close();
  }
  assert.equal(existsSync(s.tempDir), false, 'close removes the temp folder');
});

test('a refused upload (bad purpose, too large) leaves no file behind', async () => {
  const s = await startSandbox({ port: 0, maxUploadBytes: 100_000 });
  try {
    const boundary = 'xyz';
    const headers = { authorization: `Bearer ${s.apiKey}`, 'content-type': `multipart/form-data; boundary=${boundary}` };
    const body = (purpose: string, size: number) =>
      Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n`), Buffer.alloc(size, 0x61), Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n--${boundary}--\r\n`)]);
    assert.equal((await raw(s, { method: 'POST', path: '/v1/files', headers, body: body('not-a-purpose', 1000) })).status, 422);
    assert.equal(await partsIn(s.tempDir), 0);
    assert.equal((await raw(s, { method: 'POST', path: '/v1/files', headers, body: body('fine-tune', 200_000) })).status, 413);
    assert.equal(await partsIn(s.tempDir), 0);
  } finally {
    await s.close();
  }
});

test('an upload onto a full disk is a clean error, not a crash, and leaves nothing', async (t) => {
  await withSmallFilesystem(t, 1024 * 1024, async (dir) => {
    const s = await startSandbox({ port: 0, tempParent: dir });
    try {
      const file = join(dir, '..', `pixtune-upload-${process.pid}.jsonl`);
      await writeFile(file, Buffer.alloc(3 * 1024 * 1024, 0x61));
      try {
        const conn = createMistralConnection({ apiKey: s.apiKey, serverUrl: s.url, retry: { maxAttempts: 1 } });
        await assert.rejects(conn.files.upload(file, 'fine-tune'));
      } finally {
        await import('node:fs/promises').then((fs) => fs.rm(file, { force: true }));
      }
      assert.equal(await partsIn(s.tempDir), 0);
      const conn = createMistralConnection({ apiKey: s.apiKey, serverUrl: s.url });
      assert.ok((await conn.models.list()).data?.length, 'still serving');
    } finally {
      await s.close();
    }
  });
});

test('the temp folder goes when the process exits without close(), and a killed process\'s folder is removed by the next sandbox', async () => {
  const entry = join(import.meta.dirname ?? __dirname, 'sandboxProcessEntry.ts');
  const run = (mode: string) =>
    new Promise<{ dir: string; child: ReturnType<typeof spawn>; exited: Promise<unknown> }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', entry, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((r) => child.once('exit', r));
      child.stdout!.once('data', (d) => resolve({ dir: String(d).trim(), child, exited }));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the sandbox process exited (${code}) before printing its folder`)));
    });
  const exiting = await run('exit');
  await exiting.exited;
  assert.equal(existsSync(exiting.dir), false, 'removed on exit');

  const killed = await run('hang');
  assert.ok((await stat(killed.dir)).isDirectory());
  killed.child.kill('SIGKILL');
  await killed.exited;
  assert.equal(existsSync(killed.dir), true, 'SIGKILL leaves it (no handler can run)');
  const next = await startSandbox({ port: 0 });
  await next.close();
  assert.equal(existsSync(killed.dir), false, 'the next sandbox removed the dead process\'s folder');
});

test('per-model counts are bounded too', async () => {
  const { ModelCounts } = await import('../../../src/core/sandbox/modelCounts');
  const c = new ModelCounts();
  for (let i = 0; i < 5000; i++) c.add('POST /v1/chat/completions', `model-${i}`);
  c.add('POST /v1/chat/completions', '__proto__');
  const snap = c.snapshot()['POST /v1/chat/completions']!;
  assert.ok(Object.keys(snap).length <= 1001, String(Object.keys(snap).length));
  assert.equal(snap['(other)'], 4001);
  assert.equal(snap['model-0'], 1);
});

test('a training file without newlines fails its job with the reason; the sandbox keeps serving', { timeout: 120_000 }, async () => {
  const { mkdtemp, rm: rmDir, truncate } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-oneline-'));
  const s = await startSandbox({ port: 0, speed: 100 });
  try {
    const file = join(dir, 'one-line.jsonl');
    await writeFile(file, '{"messages": [');
    await truncate(file, 70 * 1024 * 1024);
    const conn = createMistralConnection({ apiKey: s.apiKey, serverUrl: s.url });
    const up = await conn.files.upload(file, 'fine-tune');
    const job = await conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: up.file.id }], hyperparameters: { training_steps: 3 }, auto_start: true });
    const done = await conn.waitForJob(job.id, { pollMs: 20, signal: AbortSignal.timeout(60_000) });
    assert.equal(done.status, 'FAILED_VALIDATION');
    assert.match(JSON.stringify(done.events ?? []), /Line 1 is longer than 64 MB/);
    assert.ok((await conn.models.list()).data?.length, 'still serving');
  } finally {
    await s.close();
    await rmDir(dir, { recursive: true, force: true });
  }
});
