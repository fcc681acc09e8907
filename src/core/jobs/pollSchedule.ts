// When to ask the service about jobs again. Fast while something changes, slower and slower while
// nothing does, and not at all when nobody is looking and no job can change on its own. Errors back
// off like "no change" so a flaky server is not hammered; a retired fine-tuning API stops polling.
// While a job is active (or was just started or cancelled by the user) the backoff stops at activeMaxMs:
// a user who just pressed Start must see Running within seconds, not after a long idle interval.

export interface PollScheduleOptions {
  /** Interval right after a change while a job is active, ms. */
  activeMs: number;
  /** Interval right after a change with no active job (only while the view is visible), ms. */
  idleMs: number;
  /** Longest interval, ms. */
  maxMs: number;
  /** Longest interval while a job is active, ms (default: maxMs). */
  activeMaxMs?: number;
  factor: number;
}

export const DEFAULT_POLL: PollScheduleOptions = { activeMs: 2000, idleMs: 30_000, maxMs: 120_000, activeMaxMs: 10_000, factor: 1.6 };

export interface PollObservation {
  /** Did the last poll see any difference (a status, a checkpoint, a new job)? */
  changed: boolean;
  /** Is any job queued, validating, running, or just acted on by the user (started, cancelled)? */
  anyActive: boolean;
  /** Is the Jobs view (or a details panel) visible? */
  visible: boolean;
  /** Did the last poll fail? */
  failed?: boolean;
  /** The service said fine-tuning is unavailable, or there is no key: do not poll again by itself. */
  stopped?: boolean;
}

export class PollSchedule {
  private current: number | undefined;

  constructor(private readonly opts: PollScheduleOptions = DEFAULT_POLL) {}

  /** Delay before the next poll in ms, or undefined to stop until something wakes polling up. */
  next(o: PollObservation): number | undefined {
    if (o.stopped || (!o.anyActive && !o.visible)) {
      this.current = undefined;
      return undefined;
    }
    const base = o.anyActive ? this.opts.activeMs : this.opts.idleMs;
    // A failing server still backs off to maxMs: fast polling is for jobs that move, not for errors.
    const ceiling = o.anyActive && !o.failed ? Math.min(this.opts.maxMs, this.opts.activeMaxMs ?? this.opts.maxMs) : this.opts.maxMs;
    if (o.changed && !o.failed) this.current = Math.min(ceiling, base);
    else this.current = Math.min(ceiling, Math.round(Math.max(this.current ?? base, base) * this.opts.factor));
    return this.current;
  }

  /** Forget the backoff (the user refreshed, a job was launched). */
  reset(): void {
    this.current = undefined;
  }
}

/** What counts as a change of one job, for backoff purposes. */
export function jobFingerprint(job: { id: string; status: string; modified_at: number; fine_tuned_model?: string | null; checkpoints?: unknown[]; events?: unknown[] }): string {
  return `${job.id}|${job.status}|${job.modified_at}|${job.fine_tuned_model ?? ''}|${job.checkpoints?.length ?? ''}|${job.events?.length ?? ''}`;
}
