// The jobs of the training backends that are not the Mistral API (this machine, a Ray cluster), as the
// extension shows them beside the Mistral jobs: a full list now and then, the jobs that move (and those shown
// in a details panel) read in detail at every poll, "ended" fired once per job that reaches a final status
// while watched — also after a reload, since the backends read their jobs from disk or from the cluster.
// vscode-free; the extension wraps it, the tests drive it with the real local backend.
import { errorMessage } from '../../errors';
import { ListenerSet } from '../listenerSet';
import { isTerminalTrainingStatus, type BackendKind, type TrainingBackend, type TrainingJobView } from './trainingBackend';

export interface TrainingJobsWatcherOptions {
  log: { warn(message: string): void };
  /** Poll interval while something runs (ms); idle polls are this × 6. */
  activeMs?: number;
}

/** A job's key in views: backend and id ("local:local-run-1a2b3c4d"), unique across backends. */
export const trainingJobKey = (v: Pick<TrainingJobView, 'backend' | 'id'>) => `${v.backend}:${v.id}`;

export class TrainingJobsWatcher {
  private readonly backends = new Map<BackendKind, TrainingBackend>();
  private readonly jobs = new Map<string, TrainingJobView>();
  private readonly errors = new Map<BackendKind, string>();
  private readonly watched = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private controller = new AbortController();
  private disposed = false;
  private readonly changed: ListenerSet<void>;
  private readonly ended: ListenerSet<TrainingJobView>;
  readonly onDidChange: ListenerSet<void>['listen'];
  readonly onDidEndJob: ListenerSet<TrainingJobView>['listen'];

  constructor(private readonly opts: TrainingJobsWatcherOptions) {
    const failed = (err: unknown) => opts.log.warn(`training jobs: a listener failed: ${errorMessage(err)}`);
    this.changed = new ListenerSet(failed);
    this.ended = new ListenerSet(failed);
    this.onDidChange = this.changed.listen;
    this.onDidEndJob = this.ended.listen;
  }

  /** Adds or replaces a backend (a new Ray address replaces the old one), or removes it. */
  setBackend(kind: BackendKind, backend: TrainingBackend | undefined): void {
    for (const [key, v] of this.jobs) if (v.backend === kind) this.jobs.delete(key);
    this.errors.delete(kind);
    if (backend) this.backends.set(kind, backend);
    else this.backends.delete(kind);
    this.changed.fire();
    void this.refresh();
  }

  /** The backend could not be made (a token refused for plain http, say): none, and the reason in its group. */
  setBackendError(kind: BackendKind, message: string): void {
    this.setBackend(kind, undefined);
    this.errors.set(kind, message);
    this.changed.fire();
  }

  backend(kind: BackendKind): TrainingBackend | undefined {
    return this.backends.get(kind);
  }

  list(kind?: BackendKind): TrainingJobView[] {
    return [...this.jobs.values()].filter((v) => !kind || v.backend === kind).sort((a, b) => b.createdAt - a.createdAt);
  }

  get(key: string): TrainingJobView | undefined {
    return this.jobs.get(key);
  }

  /** Why a backend's list could not be read (unreachable cluster, refused token), if it could not. */
  error(kind: BackendKind): string | undefined {
    return this.errors.get(kind);
  }

  /** A details panel shows this job: keep it fresh even when it does not move. */
  setWatched(key: string, on: boolean): void {
    if (on) this.watched.add(key);
    else this.watched.delete(key);
  }

  /** A job we got from a launch, stop or resume: shown at once, polled fast. */
  upsert(v: TrainingJobView): void {
    this.track(v);
    this.changed.fire();
    this.schedule(true);
  }

  /** Polls now; concurrent calls share the poll in flight. */
  refresh(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** What the views show of every job: a poll that changes none of it redraws nothing. */
  private fingerprint(): string {
    return this.list()
      .map((v) => `${trainingJobKey(v)}:${v.status}:${v.step ?? ''}:${v.metrics.length}:${v.adapter ?? ''}`)
      .concat([...this.errors].map(([k, e]) => `${k}!${e}`))
      .join('\n');
  }

  private async poll(): Promise<void> {
    this.clearTimer();
    const signal = this.controller.signal;
    const before = this.fingerprint();
    for (const [kind, backend] of this.backends) {
      try {
        const listed = await backend.list(signal);
        const keys = new Set(listed.map(trainingJobKey));
        for (const [key, v] of this.jobs) if (v.backend === kind && !keys.has(key)) this.jobs.delete(key);
        for (const v of listed) {
          const old = this.jobs.get(trainingJobKey(v));
          // The list form has no metrics (Ray reads them from the log): keep the detailed copy until it moves.
          if (!old || old.status !== v.status) this.track(v);
        }
        for (const v of this.list(kind)) {
          const key = trainingJobKey(v);
          if (!isTerminalTrainingStatus(v.status) || this.watched.has(key) || (!v.metrics.length && v.status === 'SUCCESS')) this.track(await backend.get(v.id, signal));
        }
        this.errors.delete(kind);
      } catch (err) {
        if (signal.aborted) return;
        this.errors.set(kind, errorMessage(err));
        this.opts.log.warn(`training jobs (${kind}): ${errorMessage(err)}`);
      }
    }
    if (this.fingerprint() !== before) this.changed.fire();
    this.schedule(this.list().some((v) => !isTerminalTrainingStatus(v.status)));
  }

  private track(v: TrainingJobView): void {
    const key = trainingJobKey(v);
    const before = this.jobs.get(key);
    this.jobs.set(key, v);
    if (before && !isTerminalTrainingStatus(before.status) && isTerminalTrainingStatus(v.status)) this.ended.fire(v);
  }

  private schedule(active: boolean): void {
    this.clearTimer();
    if (this.disposed || !this.backends.size) return;
    const ms = (this.opts.activeMs ?? 2000) * (active ? 1 : 6);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    this.controller.abort();
    this.changed.clear();
    this.ended.clear();
  }
}
