// The jobs of the training backends that are not the Mistral API (this machine, a Ray cluster), as the
// extension shows them beside the Mistral jobs: a full list now and then, the jobs that move (and those shown
// in a details panel) read in detail at every poll, "ended" fired once per job that reaches a final status
// while watched — also after a reload, since the backends read their jobs from disk or from the cluster, and
// when it ended while VS Code was closed or reloading: the status memory remembers what was last seen.
// vscode-free; the extension wraps it, the tests drive it with the real local backend.
import { errorMessage } from '../../errors';
import { ListenerSet } from '../listenerSet';
import { isTerminalTrainingStatus, type BackendKind, type TrainingBackend, type TrainingJobView } from './trainingBackend';
import { memoryKey, type TrainingStatusMemory } from './trainingStatusMemory';

export interface TrainingJobsWatcherOptions {
  log: { warn(message: string): void };
  /** Poll interval while something runs (ms); idle polls are this × 6. */
  activeMs?: number;
  /** The last statuses seen, kept on disk: without it, only jobs that end while watched are announced. */
  memory?: TrainingStatusMemory;
}

export interface TrainingJobEnded {
  job: TrainingJobView;
  /** It ended while no window watched it (closed, reloading): its last status here is the one remembered on disk. */
  whileClosed: boolean;
  /** The user asked to stop it: a stop is not news, and a success means the stop came too late. */
  stopRequested: boolean;
}

/** A job's key in views: backend and id ("local:local-run-1a2b3c4d"), unique across backends. */
export const trainingJobKey = (v: Pick<TrainingJobView, 'backend' | 'id'>) => `${v.backend}:${v.id}`;

export class TrainingJobsWatcher {
  private readonly backends = new Map<BackendKind, TrainingBackend>();
  private readonly jobs = new Map<string, TrainingJobView>();
  private readonly errors = new Map<BackendKind, string>();
  private readonly watched = new Set<string>();
  /** Jobs this watcher has had in memory (memoryKey): an end after that was watched, not "while the window was closed". */
  private readonly seenHere = new Set<string>();
  /** Stops asked for here (memoryKey), for a watcher without a memory. */
  private readonly stopsRequested = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The file watches of the jobs that move or are shown (local jobs), by key, with the backend that made each. */
  private readonly fileWatches = new Map<string, { backend: TrainingBackend; dispose(): void }>();
  /** Single-job reads after a file change, one at a time: a later read never lands before an earlier one. */
  private jobReads: Promise<void> = Promise.resolve();
  /** Full polls started: a single-job read that a poll overtook is dropped (the poll's copy is as new). */
  private pollsStarted = 0;
  private controller = new AbortController();
  private disposed = false;
  private readonly changed: ListenerSet<void>;
  private readonly ended: ListenerSet<TrainingJobEnded>;
  readonly onDidChange: ListenerSet<void>['listen'];
  readonly onDidEndJob: ListenerSet<TrainingJobEnded>['listen'];

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
    this.syncFileWatches();
  }

  /** The user asked to stop this job (call before upserting the stop's answer, which may already be final). */
  noteStopRequested(v: TrainingJobView): void {
    this.stopsRequested.add(memoryKey(v));
    this.opts.memory?.note(v, { stopRequested: true });
  }

  /** A job we got from a launch, stop or resume: shown at once, polled fast. */
  upsert(v: TrainingJobView): void {
    this.track(v);
    this.changed.fire();
    this.schedule(true);
    this.syncFileWatches();
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
    this.pollsStarted++;
    const signal = this.controller.signal;
    const before = this.fingerprint();
    // The remembered statuses first: a job that ended while the window was closed is told apart from an old one.
    await this.opts.memory?.load();
    for (const [kind, backend] of this.backends) {
      try {
        const listed = await backend.list(signal);
        const keys = new Set(listed.map(trainingJobKey));
        for (const [key, v] of this.jobs) if (v.backend === kind && !keys.has(key)) this.jobs.delete(key);
        for (const v of listed) {
          const old = this.jobs.get(trainingJobKey(v));
          // The list form has no metrics (Ray reads them from the log): keep the detailed copy until it moves.
          if (!old || old.status !== v.status) this.track(v);
          // Still listed: its entry in the memory is not pruned (a write at most daily when nothing changed).
          else this.opts.memory?.note(v);
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
    this.syncFileWatches();
  }

  /**
   * Watches the jobs that run or are shown in a details panel, where the backend can (a local job's files, a running
   * Ray job's streamed log), so that a metrics line is drawn at once instead of at the next poll; stops watching
   * jobs that ended and are not shown, went away, or whose backend was replaced.
   */
  private syncFileWatches(): void {
    const wanted = new Map<string, { backend: TrainingBackend; id: string }>();
    for (const v of this.disposed ? [] : this.jobs.values()) {
      const key = trainingJobKey(v);
      const backend = this.backends.get(v.backend);
      if (backend?.watch && (!isTerminalTrainingStatus(v.status) || this.watched.has(key))) wanted.set(key, { backend, id: v.id });
    }
    for (const [key, w] of this.fileWatches) {
      if (wanted.get(key)?.backend === w.backend) continue;
      w.dispose();
      this.fileWatches.delete(key);
    }
    for (const [key, { backend, id }] of wanted) {
      if (this.fileWatches.has(key)) continue;
      const handle = backend.watch!(id, () => (this.jobReads = this.jobReads.then(() => this.readJob(key))));
      this.fileWatches.set(key, { backend, dispose: () => handle.dispose() });
    }
  }

  /** One job read again after its files changed (never rejects): the views redraw when what they show moved. */
  private async readJob(key: string): Promise<void> {
    await this.polling;
    const v = this.jobs.get(key);
    const backend = v && this.backends.get(v.backend);
    if (this.disposed || !v || !backend) return;
    const polls = this.pollsStarted;
    const before = this.fingerprint();
    let fresh: TrainingJobView;
    try {
      fresh = await backend.get(v.id, this.controller.signal);
    } catch {
      return; // gone or unreadable: the next poll says so
    }
    // A poll started meanwhile reads the job too, no older than this read: tracking this after it could step back.
    if (this.disposed || polls !== this.pollsStarted || this.backends.get(v.backend) !== backend || !this.jobs.has(key)) return;
    this.track(fresh);
    if (this.fingerprint() !== before) this.changed.fire();
    this.syncFileWatches();
  }

  private track(v: TrainingJobView): void {
    const key = trainingJobKey(v);
    const before = this.jobs.get(key);
    this.jobs.set(key, v);
    // Not in memory (a reload, a new window, a backend set again): the status last seen, as remembered on disk.
    // A job first seen already finished has no previous status, so installing Pixtune announces no old jobs.
    const remembered = this.opts.memory?.get(v);
    const previous = before?.status ?? remembered?.status;
    // With the location: a job of another Ray cluster with the same id was not seen here.
    const where = memoryKey(v);
    const whileClosed = !this.seenHere.has(where);
    const stopRequested = this.stopsRequested.has(where) || remembered?.stopRequested === true || v.status === 'CANCELLATION_REQUESTED';
    this.seenHere.add(where);
    this.opts.memory?.note(v);
    if (!isTerminalTrainingStatus(v.status)) {
      // Running again (resumed): a later end is news again, unless stopped again.
      if (previous && isTerminalTrainingStatus(previous)) this.stopsRequested.delete(where);
      else if (v.status === 'CANCELLATION_REQUESTED') this.stopsRequested.add(where);
      return;
    }
    if (previous && !isTerminalTrainingStatus(previous)) this.ended.fire({ job: v, whileClosed, stopRequested });
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
    this.syncFileWatches();
    this.clearTimer();
    this.controller.abort();
    this.changed.clear();
    this.ended.clear();
  }
}
