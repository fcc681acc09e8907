import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveGate, GatedRetryPolicy } from '../../../src/core/evaluation/adaptiveConcurrency';

test('the gate halves its limit and pauses on push-back, then grows back by one per run of successes', async () => {
  const gate = new AdaptiveGate(8);
  assert.equal(gate.limit, 8);
  gate.throttled(150);
  assert.equal(gate.limit, 4);
  const t0 = Date.now();
  await gate.acquire();
  assert.ok(Date.now() - t0 >= 140, 'nothing starts during the advised pause');
  gate.release(true);
  for (let i = 0; i < 3; i++) {
    await gate.acquire();
    gate.release(true);
  }
  assert.equal(gate.limit, 5, 'additive increase after `limit` successes');
  gate.throttled(0);
  gate.throttled(0);
  gate.throttled(0);
  assert.equal(gate.limit, 1, 'never below one');
});

test('requests over the limit wait for a slot; cancelling a waiter rejects it', async () => {
  const gate = new AdaptiveGate(2);
  await gate.acquire();
  await gate.acquire();
  let third = false;
  const waiting = gate.acquire().then(() => (third = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(third, false);
  gate.release(true);
  await waiting;
  assert.equal(third, true);
  const stop = new AbortController();
  const cancelled = gate.acquire(stop.signal);
  stop.abort();
  await assert.rejects(cancelled);
});

test('GatedRetryPolicy tells the gate about every back-off, with the server\'s Retry-After', () => {
  const gate = new AdaptiveGate(4);
  const policy = new GatedRetryPolicy(gate, { jitter: 0 });
  assert.equal(policy.delayMs(0, '2'), 2000);
  assert.equal(gate.throttles, 1);
  assert.equal(gate.limit, 2);
});
