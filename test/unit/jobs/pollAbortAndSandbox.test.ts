import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { SingleFlightPoll } from '../../../src/core/jobs/singleFlightPoll';
import { isAddressInUse, parseSandboxMemory, replacedSandboxUrl, sandboxPortToRestore } from '../../../src/core/jobs/sandboxMemory';

/** A poll that hangs until its signal aborts (like a request to an unreachable server), then rejects with the abort. */
function hangingUntilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

test('concurrent requests share one poll, and a request during a poll runs one more poll after it', async () => {
  const signals: AbortSignal[] = [];
  let release!: () => void;
  const p = new SingleFlightPoll(async (signal) => {
    signals.push(signal);
    if (signals.length === 1) await new Promise<void>((r) => (release = r));
  });
  const a = p.request();
  const b = p.request();
  assert.equal(a, b);
  assert.equal(signals.length, 1);
  release();
  await a;
  assert.equal(signals.length, 2, 'the request made mid-poll polled again');
  assert.notEqual(signals[0], signals[1], 'each poll has its own AbortController');
  assert.equal(p.busy, false);
});

test('a restart request aborts a hanging poll and polls again; the abort is not an error', async () => {
  const seen: AbortSignal[] = [];
  const p = new SingleFlightPoll(async (signal) => {
    seen.push(signal);
    if (seen.length === 1) await hangingUntilAborted(signal);
  });
  void p.request();
  await p.request({ restart: true });
  assert.equal(seen.length, 2);
  assert.equal(seen[0]!.aborted, true);
  assert.equal(seen[1]!.aborted, false);
});

test('abort() ends a hanging poll without polling again; dispose() aborts and refuses new polls', async () => {
  let runs = 0;
  const p = new SingleFlightPoll(async (signal) => {
    runs++;
    await hangingUntilAborted(signal);
  });
  const first = p.request();
  p.abort();
  await first;
  assert.equal(runs, 1);
  const second = p.request();
  p.dispose();
  await second;
  assert.equal(runs, 2);
  await p.request();
  assert.equal(runs, 2, 'no poll after dispose');
});

test('an abort followed by a request (server or key change) polls again with a fresh signal', async () => {
  const seen: AbortSignal[] = [];
  const p = new SingleFlightPoll(async (signal) => {
    seen.push(signal);
    if (seen.length === 1) await hangingUntilAborted(signal);
  });
  void p.request();
  p.abort();
  await p.request();
  assert.equal(seen.length, 2);
  assert.equal(seen[1]!.aborted, false);
});

test('a failure that is not an abort still reaches the caller', async () => {
  const p = new SingleFlightPoll(async () => {
    throw new Error('boom');
  });
  await assert.rejects(p.request(), /boom/);
  assert.equal(p.busy, false);
});

test('sandbox memory: restored only while the configured URL is the remembered sandbox URL', () => {
  const mem = parseSandboxMemory({ url: 'http://127.0.0.1:41234', port: 41234 });
  assert.deepEqual(mem, { url: 'http://127.0.0.1:41234', port: 41234 });
  assert.equal(sandboxPortToRestore(mem, 'http://127.0.0.1:41234'), 41234);
  assert.equal(sandboxPortToRestore(mem, ' http://127.0.0.1:41234/ '), 41234);
  assert.equal(sandboxPortToRestore(mem, 'https://api.mistral.ai'), undefined);
  assert.equal(sandboxPortToRestore(mem, ''), undefined, 'an unset URL means Mistral, not the sandbox');
  assert.equal(sandboxPortToRestore(mem, undefined), undefined);
  assert.equal(sandboxPortToRestore(undefined, 'http://127.0.0.1:41234'), undefined, 'a URL we did not set is left alone');
  for (const bad of [undefined, null, 'x', {}, { url: 'http://127.0.0.1:1' }, { url: 'u', port: 0 }, { url: 'u', port: 70000 }, { url: 'u', port: 1.5 }]) {
    assert.equal(parseSandboxMemory(bad), undefined, JSON.stringify(bad));
  }
});

test('sandbox memory: the key of a replaced sandbox URL is to be deleted, not the current one', () => {
  const mem = { url: 'http://127.0.0.1:41234', port: 41234 };
  assert.equal(replacedSandboxUrl(mem, 'http://127.0.0.1:50000'), 'http://127.0.0.1:41234');
  assert.equal(replacedSandboxUrl(mem, 'http://127.0.0.1:41234/'), undefined);
  assert.equal(replacedSandboxUrl(undefined, 'http://127.0.0.1:50000'), undefined);
});

test('a taken port is recognised as EADDRINUSE', async () => {
  const a = createServer();
  await new Promise<void>((r) => a.listen(0, '127.0.0.1', r));
  const port = (a.address() as { port: number }).port;
  const b = createServer();
  const err = await new Promise<unknown>((resolve) => {
    b.once('error', resolve);
    b.listen(port, '127.0.0.1');
  });
  a.close();
  assert.equal(isAddressInUse(err), true);
  assert.equal(isAddressInUse(new Error('other')), false);
  assert.equal(isAddressInUse(undefined), false);
});

test('restarting the sandbox on its old port works once it is free, and fails as EADDRINUSE while taken', async () => {
  const { startSandbox } = await import('../../../src/core/sandbox/server');
  const first = await startSandbox({ port: 0 });
  await assert.rejects(startSandbox({ port: first.port }), (err) => isAddressInUse(err));
  const url = first.url;
  await first.close();
  const again = await startSandbox({ port: first.port });
  try {
    assert.equal(again.url, url, 'same port, same URL: the stored key still matches');
  } finally {
    await again.close();
  }
});
