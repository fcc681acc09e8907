// The one place that decides whether and when a failed call to the server is tried again.
// Our own fetch calls (fine-tuning jobs, uploads) and every SDK call go through `RetryPolicy.run`;
// the SDK's built-in retries are switched off (`retryConfig: {strategy: "none"}`) so that a 429 is
// never retried twice over by two layers with two different clocks.
import { z } from 'zod';

export const retryOptionsSchema = z.object({
  /** Total tries including the first one. */
  maxAttempts: z.number().int().min(1).default(5),
  initialDelayMs: z.number().min(0).default(500),
  maxDelayMs: z.number().min(0).default(30_000),
  factor: z.number().min(1).default(2),
  /** Fraction of each backoff delay that is randomised (0 = none, 1 = "full jitter"). */
  jitter: z.number().min(0).max(1).default(0.5),
  /** A Retry-After longer than this is not waited for: the call fails with the server's advice. */
  maxRetryAfterMs: z.number().min(0).default(120_000),
  /** Per-attempt timeout; for streamed uploads, the longest time without progress (see RunOptions.timeout). */
  timeoutMs: z.number().int().min(1).default(120_000),
});
export type RetryOptions = z.infer<typeof retryOptionsSchema>;

/** How one failed attempt should be treated; produced by the caller, who knows its transport. */
export type AttemptFailure =
  | { type: 'status'; status: number; retryAfter?: string | null }
  | { type: 'network' }
  | { type: 'timeout' }
  | { type: 'fatal' };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After is either delta-seconds or an HTTP date; returns ms, or undefined if absent/garbled. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

export interface RunOptions {
  /** The caller's cancellation; aborting it stops waiting and the current attempt. */
  signal?: AbortSignal;
  /**
   * False for calls that create something (POST create, upload, chat): a timeout there may mean
   * the server did the work, so it is not retried. 429/5xx/refused connections are still retried
   * because the server did not act on them.
   */
  idempotent?: boolean;
  /**
   * 'whole' (default): an attempt may take timeoutMs in all. 'idle': timeoutMs without progress —
   * for streamed bodies, where a 512 MB upload on a slow line takes longer than any fixed cap but
   * is fine as long as bytes move. The attempt reports progress with ctx.active().
   */
  timeout?: 'whole' | 'idle';
}

export interface AttemptContext {
  /** Aborts when the caller aborts or the per-attempt timeout fires. */
  signal: AbortSignal;
  attempt: number;
  /** Progress was made: restarts an idle timeout (no effect on a whole-attempt timeout). */
  active(): void;
}

/** Thrown out of `run` when every attempt failed; `last` is the final failure's original error. */
export class RetriesExhausted extends Error {
  constructor(readonly last: unknown, readonly failure: AttemptFailure, readonly attempts: number) {
    super('retries exhausted');
  }
}

export class RetryPolicy {
  readonly options: RetryOptions;

  constructor(
    options: Partial<RetryOptions> = {},
    private readonly sleep: Sleep = abortableSleep,
    private readonly random: () => number = Math.random,
  ) {
    this.options = retryOptionsSchema.parse(options);
  }

  /** Backoff before retry number `retry` (0-based), or the server's Retry-After when it gave one. */
  delayMs(retry: number, retryAfter?: string | null): number {
    const advised = parseRetryAfter(retryAfter);
    if (advised !== undefined) return advised;
    const o = this.options;
    const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** retry);
    return Math.round(base * (1 - o.jitter) + base * o.jitter * this.random());
  }

  shouldRetry(failure: AttemptFailure, idempotent: boolean): boolean {
    switch (failure.type) {
      case 'status':
        return isRetryableStatus(failure.status);
      case 'network':
        return true;
      case 'timeout':
        return idempotent;
      case 'fatal':
        return false;
    }
  }

  /**
   * Runs `attempt` until it succeeds, a failure is not retryable, or attempts run out.
   * `classify` turns a thrown error into an AttemptFailure; an error it calls 'fatal' is rethrown as is.
   * When retries run out, throws RetriesExhausted carrying the last error.
   */
  async run<T>(
    attempt: (ctx: AttemptContext) => Promise<T>,
    classify: (err: unknown, ctx: AttemptContext) => AttemptFailure,
    opts: RunOptions = {},
  ): Promise<T> {
    const idempotent = opts.idempotent ?? true;
    for (let n = 0; ; n++) {
      opts.signal?.throwIfAborted();
      const timer = new AttemptTimer(this.options.timeoutMs);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timer.signal]) : timer.signal;
      const ctx: AttemptContext = { signal, attempt: n, active: opts.timeout === 'idle' ? () => timer.restart() : () => undefined };
      try {
        return await attempt(ctx);
      } catch (err) {
        // The caller's own cancellation is never a failure to retry.
        if (opts.signal?.aborted) throw opts.signal.reason;
        const failure = classify(err, ctx);
        if (failure.type === 'fatal') throw err;
        const last = n + 1 >= this.options.maxAttempts;
        if (last || !this.shouldRetry(failure, idempotent)) throw new RetriesExhausted(err, failure, n + 1);
        const wait = this.delayMs(n, failure.type === 'status' ? failure.retryAfter : undefined);
        if (wait > this.options.maxRetryAfterMs) throw new RetriesExhausted(err, failure, n + 1);
        await this.sleep(wait, opts.signal);
      } finally {
        timer.clear();
      }
    }
  }
}

/** A per-attempt timeout that can be restarted (idle mode) and is cleared when the attempt ends. */
class AttemptTimer {
  private readonly controller = new AbortController();
  private handle: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ms: number) {
    this.restart();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restart(): void {
    if (this.controller.signal.aborted) return;
    clearTimeout(this.handle);
    this.handle = setTimeout(() => this.controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), this.ms);
    this.handle.unref?.();
  }

  clear(): void {
    clearTimeout(this.handle);
  }
}
