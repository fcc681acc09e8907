// Watching a fine-tuning job: poll, report every change, and back off while nothing changes so a
// job that runs for an hour does not cost hundreds of identical requests.
import { abortableSleep } from './retryPolicy';
import { isTerminalJobStatus, type FineTuningJob } from './wireSchemas';

export interface WaitForJobOptions {
  signal?: AbortSignal;
  /** Called with the job after every poll whose answer differs from the previous one (and the first). */
  onUpdate?: (job: FineTuningJob) => void;
  /** First (and after-change) poll interval, ms. Default 2000. */
  pollMs?: number;
  /** Longest interval while nothing changes, ms. Default 30000. */
  maxPollMs?: number;
  /** Stop early when this returns true (e.g. at VALIDATED). Default: a terminal status. */
  until?: (job: FineTuningJob) => boolean;
  /** Injected clock for tests; defaults to an abortable setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What counts as "something changed": status, modification time, checkpoints, events. */
function fingerprint(job: FineTuningJob): string {
  return `${job.status}|${job.modified_at}|${job.checkpoints?.length ?? 0}|${job.events?.length ?? 0}|${job.fine_tuned_model ?? ''}`;
}

export async function waitForJob(
  get: (id: string, signal?: AbortSignal) => Promise<FineTuningJob>,
  jobId: string,
  opts: WaitForJobOptions = {},
): Promise<FineTuningJob> {
  const pollMs = opts.pollMs ?? 2000;
  const maxPollMs = opts.maxPollMs ?? 30_000;
  const until = opts.until ?? ((j: FineTuningJob) => isTerminalJobStatus(j.status));
  const sleep = opts.sleep ?? abortableSleep;
  let interval = pollMs;
  let last = '';
  for (;;) {
    const job = await get(jobId, opts.signal);
    const fp = fingerprint(job);
    if (fp !== last) {
      last = fp;
      interval = pollMs;
      opts.onUpdate?.(job);
    } else {
      interval = Math.min(maxPollMs, Math.round(interval * 1.5));
    }
    // A job that ended can no longer reach `until`'s state: return rather than poll forever.
    if (until(job) || isTerminalJobStatus(job.status)) return job;
    await sleep(interval, opts.signal);
  }
}
