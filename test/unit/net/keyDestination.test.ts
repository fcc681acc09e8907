// The key goes over https anywhere, plain http only to this machine — decided on the parsed host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost, isLoopbackUrl, keyDestinationProblem } from '../../../src/core/net/keyDestination';
import { createMistralConnection } from '../../../src/core/mistral/connection';
import { jobsCommand } from '../../../src/cli/jobs';
import { UserError } from '../../../src/core/errors';

test('loopback is a parsed address, not a text prefix', () => {
  for (const u of ['http://127.0.0.1:4000', 'http://127.9.8.7', 'http://localhost:1/', 'http://[::1]:4000', 'http://0x7f.1', 'http://2130706433', 'http://[::ffff:127.0.0.1]:8'])
    assert.equal(isLoopbackUrl(u), true, u);
  for (const u of ['http://127.attacker.example', 'http://127.0.0.1.nip.io', 'http://localhost.attacker.example', 'http://[::2]', 'http://10.0.0.1', 'http://128.0.0.1', 'not a url'])
    assert.equal(isLoopbackUrl(u), false, u);
  assert.equal(isLoopbackHost('[::1]'), true);
});

test('a key may go over https anywhere and over http to this machine only', () => {
  assert.equal(keyDestinationProblem('https://api.mistral.ai'), undefined);
  assert.equal(keyDestinationProblem('https://gpu-box.example:8443/v1'), undefined);
  assert.equal(keyDestinationProblem('http://127.0.0.1:8000'), undefined);
  assert.equal(keyDestinationProblem('http://[::1]:8000'), undefined);
  assert.match(keyDestinationProblem('http://127.attacker.example') ?? '', /unencrypted/);
  assert.match(keyDestinationProblem('http://gpu-box.example:8000') ?? '', /unencrypted/);
  assert.match(keyDestinationProblem('ftp://x') ?? '', /http/);
  assert.match(keyDestinationProblem('https://u:p@x.example') ?? '', /not in the server URL/);
  assert.match(keyDestinationProblem('::') ?? '', /not a URL/);
});

test('a connection refuses before sending anything, for the SDK and our own transport alike', async () => {
  let calls = 0;
  const fetch = async () => {
    calls++;
    return new Response('{"object":"list","data":[]}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
  assert.throws(() => createMistralConnection({ apiKey: 'k', serverUrl: 'http://127.attacker.example', fetch }), (e: unknown) => e instanceof UserError && /unencrypted/.test(e.message));
  // The same connection over loopback is allowed and does send (so the refusal above is the check, not a broken fetch).
  const ok = createMistralConnection({ apiKey: 'k', serverUrl: 'http://127.0.0.1:9', fetch });
  await ok.models.list();
  assert.equal(calls, 1);
});

test('the CLI refuses to send MISTRAL_API_KEY over plain http to another machine', async () => {
  const err: string[] = [];
  const io = { out: () => undefined, err: (t: string) => err.push(t), signal: new AbortController().signal, env: { MISTRAL_API_KEY: 'pk-secret' } };
  await assert.rejects(jobsCommand(['list', '--server-url', 'http://127.attacker.example:8000'], io), (e: unknown) => e instanceof UserError && /unencrypted/.test(e.message) && !e.message.includes('pk-secret'));
});

test('the Ray client sends its token only over https or to this machine', async () => {
  const { RayJobsClient } = await import('../../../src/core/jobs/backends/ray/rayJobsClient');
  assert.throws(() => new RayJobsClient({ address: 'http://head-node.example:8265', token: 'tok' }), (e: unknown) => e instanceof UserError && /unencrypted/.test(e.message) && /SSH tunnel/.test(e.action ?? ''));
  assert.doesNotThrow(() => new RayJobsClient({ address: 'http://127.0.0.1:8265', token: 'tok' }));
  assert.doesNotThrow(() => new RayJobsClient({ address: 'https://head-node.example:8265', token: 'tok' }));
  assert.doesNotThrow(() => new RayJobsClient({ address: 'http://head-node.example:8265' }), 'no token, nothing to protect');
});
