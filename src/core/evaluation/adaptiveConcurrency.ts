// Bounded, adaptive concurrency for live prediction runs. Every request's retries go through the one
// RetryPolicy (which honours Retry-After); this gate adds what a single request cannot see: when the
// server pushes back (429 or 5xx), the whole pool pauses for the advised time and the number of
// requests in flight halves; it grows back by one after each run of successes (AIMD, as TCP does).
import { RetryPolicy, abortableSleep, type RetryOptions } from '../mistral/retryPolicy';

export class AdaptiveGate {
  private limitNow: number;
  private inFlight = 0;
  private pausedUntil = 0;
  private successes = 0;
  private waiters: (() => void)[] = [];
  /** How many times the server pushed back. */
  throttles = 0;

  constructor(readonly max: number) {
    this.limitNow = Math.max(1, Math.floor(max));
  }

  get limit(): number {
    return this.limitNow;
  }

  /** Waits until a request may start (under the limit and not paused), then counts it in flight. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) {
        await abortableSleep(wait, signal);
        continue;
      }
      if (this.inFlight < this.limitNow) {
        this.inFlight++;
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  release(ok: boolean): void {
    this.inFlight--;
    if (ok && ++this.successes >= this.limitNow && this.limitNow < this.max) {
      this.limitNow++;
      this.successes = 0;
    }
    this.wake();
  }

  /** The server pushed back; `waitMs` is its Retry-After (or our backoff). */
  throttled(waitMs: number): void {
    this.throttles++;
    this.successes = 0;
    this.limitNow = Math.max(1, Math.floor(this.limitNow / 2));
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + waitMs);
  }

  private wake(): void {
    const w = this.waiters.splice(0);
    w.forEach((f) => f());
  }
}

/** A RetryPolicy that tells the gate whenever it backs off, so the whole pool slows down with it. */
export class GatedRetryPolicy extends RetryPolicy {
  constructor(private readonly gate: AdaptiveGate, options: Partial<RetryOptions> = {}) {
    super(options);
  }

  override delayMs(retry: number, retryAfter?: string | null): number {
    const ms = super.delayMs(retry, retryAfter);
    this.gate.throttled(ms);
    return ms;
  }
}
