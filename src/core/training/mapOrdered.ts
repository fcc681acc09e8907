// Bounded-concurrency map that yields results in input order. At most `concurrency` calls run at
// once and at most `window` results wait to be consumed, so a slow consumer (a file write) or a
// slow item holds back the producers instead of letting finished images pile up in memory.

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface MapOrderedOptions {
  concurrency: number;
  /** Results started but not yet consumed (default 2 × concurrency). */
  window?: number;
  signal?: AbortSignal;
}

export async function* mapOrdered<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>, options: MapOrderedOptions): AsyncGenerator<R> {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const window = Math.max(concurrency, options.window ?? concurrency * 2);
  const queue: Promise<Settled<R>>[] = [];
  let running = 0;
  const waiters: (() => void)[] = [];
  const acquire = async () => {
    while (running >= concurrency) await new Promise<void>((r) => waiters.push(r));
    running++;
  };
  const release = () => {
    running--;
    waiters.shift()?.();
  };
  let next = 0;
  const start = () => {
    const i = next++;
    queue.push(
      (async (): Promise<Settled<R>> => {
        await acquire();
        try {
          options.signal?.throwIfAborted();
          return { ok: true, value: await fn(items[i]!, i) };
        } catch (error) {
          return { ok: false, error };
        } finally {
          release();
        }
      })(),
    );
  };
  try {
    while (next < items.length || queue.length) {
      while (next < items.length && queue.length < window) start();
      const settled = await queue.shift()!;
      if (!settled.ok) throw settled.error;
      options.signal?.throwIfAborted();
      yield settled.value;
    }
  } finally {
    // On early exit (error, abort, consumer break) let in-flight work finish so nothing runs on after we return.
    next = items.length;
    await Promise.all(queue);
  }
}
