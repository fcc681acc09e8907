import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetriesExhausted, RetryPolicy, parseRetryAfter, type AttemptFailure } from '../../../src/core/mistral/retryPolicy';

test('parseRetryAfter: seconds, HTTP date, garbage', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter('0.5'), 500);
  const now = Date.parse('2026-11-01T00:00:00Z');
  assert.equal(parseRetryAfter('Sun, 01 Nov 2026 00:00:07 GMT', now), 7000);
  assert.equal(parseRetryAfter('Sun, 01 Nov 2026 00:00:00 GMT', now + 5000), 0);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test('backoff grows exponentially, is capped, and jitter stays inside its band', () => {
  const low = new RetryPolicy({ initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0.5 }, undefined, () => 0);
  const high = new RetryPolicy({ initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0.5 }, undefined, () => 1);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => low.delayMs(n)), [50, 100, 200, 400, 500, 500]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => high.delayMs(n)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(low.delayMs(3, '4'), 4000, 'Retry-After wins over backoff');
});

test('which failures are retried', () => {
  const p = new RetryPolicy();
  const cases: [AttemptFailure, boolean, boolean][] = [
    [{ type: 'status', status: 429 }, true, true],
    [{ type: 'status', status: 503 }, true, true],
    [{ type: 'status', status: 400 }, false, false],
    [{ type: 'status', status: 401 }, false, false],
    [{ type: 'status', status: 404 }, false, false],
    [{ type: 'status', status: 410 }, false, false],
    [{ type: 'status', status: 422 }, false, false],
    [{ type: 'network' }, true, true],
    [{ type: 'timeout' }, true, false],
    [{ type: 'fatal' }, false, false],
  ];
  for (const [f, idempotent, other] of cases) {
    assert.equal(p.shouldRetry(f, true), idempotent, JSON.stringify(f));
    assert.equal(p.shouldRetry(f, false), other, JSON.stringify(f));
  }
});

test('run: retries until success, gives up after maxAttempts, and refuses a Retry-After beyond the cap', async () => {
  const waits: number[] = [];
  const p = new RetryPolicy({ maxAttempts: 3, initialDelayMs: 10, jitter: 0, maxRetryAfterMs: 5000 }, async (ms) => void waits.push(ms));
  let calls = 0;
  const ok = await p.run(async () => (++calls < 3 ? Promise.reject(new Error('x')) : 'done'), () => ({ type: 'network' }));
  assert.equal(ok, 'done');
  assert.deepEqual(waits, [10, 20]);

  calls = 0;
  await assert.rejects(p.run(async () => { calls++; throw new Error('always'); }, () => ({ type: 'status', status: 500 })), (e: unknown) => e instanceof RetriesExhausted && e.attempts === 3);
  assert.equal(calls, 3);

  calls = 0;
  await assert.rejects(p.run(async () => { calls++; throw new Error('slow down'); }, () => ({ type: 'status', status: 429, retryAfter: '3600' })), RetriesExhausted);
  assert.equal(calls, 1, 'an hour-long Retry-After is reported, not waited for');
});

test('run: each attempt gets a signal that fires on its own timeout', async () => {
  const p = new RetryPolicy({ maxAttempts: 2, timeoutMs: 30, initialDelayMs: 1 });
  let attempts = 0;
  // AbortSignal.timeout's timer does not keep the process alive (a real request's socket does).
  const keepAlive = setTimeout(() => undefined, 5000);
  await assert.rejects(
    p.run(
      ({ signal }) => {
        attempts++;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out'))));
      },
      (_e, ctx) => (ctx.signal.aborted ? { type: 'timeout' } : { type: 'fatal' }),
      { idempotent: true },
    ),
    (e: unknown) => e instanceof RetriesExhausted && e.failure.type === 'timeout',
  );
  assert.equal(attempts, 2);
  clearTimeout(keepAlive);
});
