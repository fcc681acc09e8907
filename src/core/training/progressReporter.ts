// Turns "one more item done" into the progress shape every long operation reports:
// done/total plus a rate and an ETA once there is enough signal to estimate them.

export interface Progress {
  done: number;
  total: number;
  /** Items per second since the phase started. */
  rate?: number;
  etaSeconds?: number;
  /** Which pass is running, e.g. "hashing" or "encoding". */
  phase?: string;
}
export type ProgressCallback = (p: Progress) => void;

export function progressReporter(total: number, phase: string, onProgress: ProgressCallback | undefined, now: () => number = () => performance.now()) {
  const started = now();
  let done = 0;
  onProgress?.({ done, total, phase });
  return {
    tick(n = 1) {
      done += n;
      if (!onProgress) return;
      const seconds = (now() - started) / 1000;
      const rate = seconds > 0 ? done / seconds : undefined;
      const etaSeconds = rate ? Math.max(0, (total - done) / rate) : undefined;
      onProgress({ done, total, rate, etaSeconds, phase });
    },
  };
}
