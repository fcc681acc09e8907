// A hostile or broken server must not reach the user's terminal with escape sequences: the real CLI
// process (src/cli.ts) against a real HTTP server that puts them in a job's fields and in an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { printable } from '../../../src/cli/common';

const ESC = '\x1b]0;pwned\x07\x1b[2J\u009b31m\r';

function hostileServer(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/fine_tuning/jobs?')) {
      const job = { id: `job-1${ESC}`, auto_start: false, model: `open-mistral${ESC}`, status: 'RUNNING', created_at: 1, modified_at: 1, training_files: [], hyperparameters: { training_steps: 10, learning_rate: 0.0001 }, suffix: ESC, fine_tuned_model: `ft:${ESC}` };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [job], total: 1 }));
      return;
    }
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'error', message: `Bad things${ESC}happened`, type: 'invalid_request_error' }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('src', 'cli.ts'), ...args], { env: { ...process.env, MISTRAL_API_KEY: 'k' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const controls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('printable shows control characters as \\uXXXX and keeps our own line breaks when asked', () => {
  assert.equal(printable('a\x1b[2Jb\u009b'), 'a\\u001b[2Jb\\u009b');
  assert.equal(printable('a\nb'), 'a\\u000ab');
  assert.equal(printable('a\nb\r', { keepNewlines: true }), 'a\nb\\u000d');
});

test('jobs list and a server error print no escape sequence, in human and --json form', async () => {
  const server = await hostileServer();
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const list = await runCli(['jobs', 'list', '--server-url', url]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /open-mistral\\u001b\]0;pwned\\u0007/);
    assert.doesNotMatch(list.stdout + list.stderr, controls);

    const json = await runCli(['jobs', 'list', '--json', '--server-url', url]);
    assert.doesNotMatch(json.stdout, controls);
    const doc = JSON.parse(json.stdout);
    const jobs = Array.isArray(doc) ? doc : doc.data ?? doc.jobs;
    assert.equal(jobs[0].model, `open-mistral${ESC}`, '--json keeps the exact value');

    const failed = await runCli(['jobs', 'get', 'job-2', '--server-url', url]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /Bad things\\u001b/);
    assert.doesNotMatch(failed.stdout + failed.stderr, controls);
  } finally {
    server.close();
  }
});
