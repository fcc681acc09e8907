// The account's fine-tuning jobs as Pixtune sees them, and the one place that polls for them.
// Polling follows PollSchedule: fast while something changes, backing off otherwise, stopped when
// nothing is visible and no job is active, and stopped for good (until the server or key changes)
// when the service says fine-tuning is unavailable or the key is rejected. vscode-free: the extension
// wraps it (JobsController) and the tests drive it against the sandbox.
import { MistralError } from '../mistral/errors';
import type { MistralConnection } from '../mistral/connection';
import { isTerminalJobStatus, type FineTuningJob } from '../mistral/wireSchemas';
import { errorMessage } from '../errors';
import type { JobLink } from './jobLinks';
import { linkAwaitsJob } from './jobLinkStore';
import { ListenerSet } from './listenerSet';
import { jobFingerprint, PollSchedule, type PollScheduleOptions } from './pollSchedule';
import { statusLook } from './jobStatusView';
import { normalizeServerUrl, type ServerKind } from './serverKind';
import { SingleFlightPoll } from './singleFlightPoll';

export type JobsState = 'loading' | 'noKey' | 'ready' | 'unavailable' | 'authFailed' | 'error';

export interface WatchedServer {
  url: string;
  kind: ServerKind;
  label: string;
}

/** Which server, whether it has a key, and a connection to it (the extension's ServerAccess). */
export interface JobsSource {
  info(): Promise<WatchedServer>;
  hasKey(): Promise<boolean>;
  connection(): Promise<Pick<MistralConnection, 'jobs'>>;
}

/** The job ↔ run-folder links the watcher reads and updates (JobLinkStore). */
export interface JobLinkRecords {
  all(): Record<string, JobLink>;
  get(jobId: string): JobLink | undefined;
  noteStatus(jobId: string, status: string, fineTunedModel: string | null | undefined): Promise<void>;
  noteNotFound(jobId: string, at: number): Promise<void>;
  noteDeclined(jobId: string, at: number): Promise<void>;
}

export interface JobsWatcherOptions {
  source: JobsSource;
  links: JobLinkRecords;
  log: { warn(message: string): void; info(message: string): void };
  /** The server refused the job routes as retired; the extension tells the user (once per server). */
  onUnavailable(serverUrl: string, detail: string | undefined): void;
  /** Every state assignment, changed or not (the extension mirrors it into a `when` context key). */
  onState?(state: JobsState): void;
  /** Poll intervals; the tests shorten them. */
  schedule?: PollScheduleOptions;
}

export interface JobEnded {
  job: FineTuningJob;
  server: WatchedServer;
  /** The user asked to cancel it here: a job that ended otherwise (e.g. SUCCESS) got the cancel too late. */
  cancelRequested?: boolean;
}

/** Listing stops after this many jobs; an account with more sees the newest ones. */
const MAX_LISTED = 1000;
/** While jobs are active, only they are fetched; the whole list is re-read every this many polls. */
const FULL_LIST_EVERY = 8;
/** Linked jobs missing from a full list that are asked for by id in one poll. */
const MISSING_CHECKS_PER_POLL = 3;
/** A job the user just started or cancelled is polled fast this long, even while its status stays put. */
const ACTED_ON_MS = 60_000;

export class JobsWatcher {
  private order: string[] = [];
  private readonly jobs = new Map<string, FineTuningJob>();
  private readonly prints = new Map<string, string>();
  private stateValue: JobsState = 'loading';
  private errorText: string | undefined;
  private serverValue: WatchedServer | undefined;
  private readonly schedule: PollSchedule;
  private timer: NodeJS.Timeout | undefined;
  /** One poll at a time, each with its own AbortController (aborted on dispose, server/key change, manual refresh). */
  private readonly poller = new SingleFlightPoll((signal) => this.poll(signal));
  private pollCount = 0;
  private readonly visibleSources = new Set<string>();
  /** Linked jobs missing from the list already asked for by id (until the server or key changes). */
  private readonly missingChecked = new Set<string>();
  private generation = 0;
  private disposed = false;
  /** Job id → until when (ms) it is polled fast because the user just acted on it. */
  private readonly actedOn = new Map<string, number>();
  /** Jobs the user asked to cancel from here (a later SUCCESS means the cancel came too late). */
  private readonly cancelRequested = new Set<string>();
  /** Jobs the user declined at the launch confirmation: cancelled on the server, not listed here. */
  private readonly declined = new Set<string>();

  private readonly changed: ListenerSet<string[] | undefined>;
  private readonly ended: ListenerSet<JobEnded>;
  /** Job ids whose data changed, or undefined when the list itself changed. Returns the unsubscribe function. */
  readonly onDidChange: ListenerSet<string[] | undefined>['listen'];
  readonly onDidEndJob: ListenerSet<JobEnded>['listen'];

  private readonly source: JobsSource;
  private readonly links: JobLinkRecords;
  private readonly log: JobsWatcherOptions['log'];

  constructor(private readonly opts: JobsWatcherOptions) {
    this.source = opts.source;
    this.links = opts.links;
    this.log = opts.log;
    this.schedule = new PollSchedule(opts.schedule);
    const listenerFailed = (err: unknown) => this.log.warn(`jobs: a listener failed: ${errorMessage(err)}`);
    this.changed = new ListenerSet(listenerFailed);
    this.ended = new ListenerSet(listenerFailed);
    this.onDidChange = this.changed.listen;
    this.onDidEndJob = this.ended.listen;
  }

  get state(): JobsState {
    return this.stateValue;
  }
  get error(): string | undefined {
    return this.errorText;
  }
  get server(): WatchedServer | undefined {
    return this.serverValue;
  }
  /** Is a poll waiting on a timer? False when polling stopped until something wakes it up. */
  get pollScheduled(): boolean {
    return this.timer !== undefined;
  }

  list(): FineTuningJob[] {
    return this.order.filter((id) => !this.declined.has(id)).map((id) => this.jobs.get(id)!).filter(Boolean);
  }

  /**
   * Recorded jobs (links made when they were launched here) of this server that its list no longer holds: a
   * restarted sandbox forgets its jobs, a real service may have deleted them. Shown as history; newest first.
   */
  history(): JobLink[] {
    const server = this.serverValue;
    if (this.stateValue !== 'ready' || !server) return [];
    return Object.values(this.links.all())
      .filter((l) => !this.jobs.has(l.jobId) && l.declinedAt === undefined && normalizeServerUrl(l.serverUrl) === normalizeServerUrl(server.url))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  get(jobId: string): FineTuningJob | undefined {
    return this.jobs.get(jobId);
  }

  runningCount(): number {
    return this.list().filter((j) => statusLook(j.status).active).length;
  }

  /** The server URL or its key changed: forget everything, including "unavailable" and the backoff, and poll. */
  serverChanged(): void {
    this.generation++;
    // The poll in flight asks the old server (it may hang there): abort it; refresh() below polls again.
    this.poller.abort();
    this.order = [];
    this.jobs.clear();
    this.prints.clear();
    this.missingChecked.clear();
    this.actedOn.clear();
    this.schedule.reset();
    this.setState('loading');
    this.changed.fire(undefined);
    void this.refresh();
  }

  /** A view or panel showing jobs became visible or hidden; polling follows. */
  setVisible(source: string, visible: boolean): void {
    const was = this.visibleSources.size > 0;
    if (visible) this.visibleSources.add(source);
    else this.visibleSources.delete(source);
    if (!was && visible && this.stateValue !== 'unavailable' && this.stateValue !== 'authFailed') void this.refresh();
  }

  /** Stores a job we got from elsewhere (launch, start, cancel) and polls fast while it may move. */
  upsert(job: FineTuningJob): void {
    const isNew = !this.jobs.has(job.id);
    if (!isTerminalJobStatus(job.status)) this.actedOn.set(job.id, Date.now() + ACTED_ON_MS);
    const changed = this.track(job);
    if (isNew) this.order = [job.id, ...this.order.filter((id) => id !== job.id)];
    // Only what changed is redrawn: a tree row redrawn under the pointer can swallow the click that lands on it.
    if (isNew || changed) this.changed.fire(isNew ? undefined : [job.id]);
    this.schedule.reset();
    this.scheduleNext(true);
  }

  /** The user asked to cancel this job; remembered so that a job that finishes anyway says the cancel came too late. */
  noteCancelRequested(jobId: string): void {
    this.cancelRequested.add(jobId);
  }

  /**
   * The user declined the job at the launch confirmation (or cancelled while it was validated): it leaves the
   * list at once, for good (the link records it), and its cancellation is not announced.
   */
  async decline(jobId: string): Promise<void> {
    this.declined.add(jobId);
    this.actedOn.delete(jobId);
    this.changed.fire(undefined);
    await this.links.noteDeclined(jobId, Date.now()).catch((e: unknown) => this.log.warn(`jobs: cannot update the run folder link: ${errorMessage(e)}`));
  }

  /** Will this job change without anyone acting: running, cancelling, started but not yet running, or just acted on? */
  private moves(j: FineTuningJob, now = Date.now()): boolean {
    if (isTerminalJobStatus(j.status)) return false;
    if (statusLook(j.status).active || j.status === 'CANCELLATION_REQUESTED') return true;
    if (j.status === 'VALIDATED' && j.auto_start) return true;
    return (this.actedOn.get(j.id) ?? 0) > now;
  }

  /**
   * Polls now (a manual refresh, or a wake-up). Concurrent calls share one poll: a call during a poll asks for
   * one more poll after it (a change may have made its answer stale) and settles when that one has run.
   * `restart` (the Refresh command) aborts the poll in flight first, so a hanging request cannot block it.
   */
  refresh(opts: { full?: boolean; restart?: boolean } = { full: true }): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (opts.full) this.pollCount = 0;
    return this.poller.request({ restart: opts.restart });
  }

  private async poll(signal: AbortSignal): Promise<void> {
    this.clearTimer();
    const gen = this.generation;
    // Rows whose job changed are redrawn one by one; the whole list only when its membership or order changed.
    let listChanged = false;
    const changedIds = new Set<string>();
    // Aborted (dispose, server/key change, manual refresh) or superseded: drop the answer silently.
    const stale = () => signal.aborted || gen !== this.generation;
    try {
      // Inside the try: SecretStorage can fail (e.g. no keyring on Linux); that is an error state, not a crash.
      const info = await this.source.info();
      if (stale()) return;
      this.serverValue = info;
      const hasKey = await this.source.hasKey();
      if (stale()) return;
      if (!hasKey) {
        this.setState('noKey');
        return;
      }
      const conn = await this.source.connection();
      if (stale()) return;
      for (const l of Object.values(this.links.all())) if (l.declinedAt !== undefined) this.declined.add(l.jobId);
      const full = this.pollCount % FULL_LIST_EVERY === 0 || this.runningCount() === 0;
      this.pollCount++;
      if (full) {
        const fresh: FineTuningJob[] = [];
        for await (const job of conn.jobs.listAll({ page_size: 100 }, signal)) {
          fresh.push(job);
          if (fresh.length >= MAX_LISTED) break;
        }
        if (stale()) return;
        fresh.sort((a, b) => b.created_at - a.created_at);
        const ids = fresh.map((j) => j.id);
        if (ids.join('\n') !== this.order.join('\n')) listChanged = true;
        for (const j of fresh) {
          // The list form has no events or checkpoints: keep the detailed copy while it is current.
          const old = this.jobs.get(j.id);
          const keep = old && old.modified_at === j.modified_at && old.status === j.status && old.checkpoints;
          if (!keep && this.track(j)) changedIds.add(j.id);
        }
        this.order = ids;
        if (!(await this.checkMissingLinks(conn, info, new Set(ids), signal, stale))) return;
      }
      // Details (checkpoints, events) for jobs that move, and for jobs shown in a details panel.
      const moving = this.list().filter((j) => this.moves(j) || this.visibleSources.has(`panel:${j.id}`));
      // Finished jobs get their final checkpoints once (a few per poll), so rows show the last loss.
      const finished = this.list().filter((j) => j.status === 'SUCCESS' && !j.checkpoints).slice(0, 5);
      const detailed = [...moving, ...finished];
      for (const j of detailed.slice(0, 20)) {
        const d = await conn.jobs.get(j.id, signal);
        if (stale()) return;
        if (this.track(d)) changedIds.add(d.id);
      }
      this.errorText = undefined;
      this.setState('ready');
      this.changed.fire(listChanged ? undefined : [...changedIds]);
    } catch (err) {
      // An aborted poll is a normal end (no error state, no log line); whoever aborted it polls again if needed.
      if (stale()) return;
      if (err instanceof MistralError && err.kind === 'fine-tuning-unavailable') {
        this.order = [];
        this.jobs.clear();
        this.setState('unavailable');
        this.changed.fire(undefined);
        this.opts.onUnavailable(this.serverValue?.url ?? 'the configured server', err.detail);
        return;
      }
      if (err instanceof MistralError && err.kind === 'auth') {
        this.log.warn(`jobs: ${err.detail ?? err.message}`);
        this.setState('authFailed');
        return;
      }
      this.errorText = errorMessage(err);
      this.log.warn(`jobs: listing failed: ${err instanceof MistralError ? (err.detail ?? err.message) : this.errorText}`);
      this.setState('error');
      this.scheduleNext(false, true);
      return;
    }
    this.scheduleNext(listChanged || changedIds.size > 0);
  }

  /**
   * Links launched on this server and last seen active, but missing from its full list: ask for a few by id.
   * A "no such job" answer (a restarted sandbox forgets its jobs) is recorded on the link, which then stops
   * being waited for; its last status is kept, since we do not know how the job ended. Other failures only
   * get a log line: this check must not put the whole list in an error state. Returns false if the poll went stale.
   */
  private async checkMissingLinks(conn: Pick<MistralConnection, 'jobs'>, server: WatchedServer, listed: Set<string>, signal: AbortSignal, stale: () => boolean): Promise<boolean> {
    const missing = Object.values(this.links.all())
      .filter((l) => !listed.has(l.jobId) && !this.missingChecked.has(l.jobId) && linkAwaitsJob(l) && normalizeServerUrl(l.serverUrl) === normalizeServerUrl(server.url))
      .slice(0, MISSING_CHECKS_PER_POLL);
    for (const link of missing) {
      try {
        // Found (e.g. beyond MAX_LISTED): nothing to record; it is not asked for again on this server.
        await conn.jobs.get(link.jobId, signal);
        if (stale()) return false;
        this.missingChecked.add(link.jobId);
      } catch (err) {
        if (stale()) return false;
        if (err instanceof MistralError && err.kind === 'not-found') {
          this.missingChecked.add(link.jobId);
          this.log.info(`jobs: job ${link.jobId} (run ${link.runDir}) no longer exists on ${server.label}; it is not polled any more`);
          await this.links.noteNotFound(link.jobId, Date.now()).catch((e: unknown) => this.log.warn(`jobs: cannot update the run folder link: ${errorMessage(e)}`));
          if (stale()) return false;
        } else {
          this.log.warn(`jobs: cannot check linked job ${link.jobId}: ${err instanceof MistralError ? (err.detail ?? err.message) : errorMessage(err)}`);
        }
      }
    }
    return true;
  }

  /** Stores a job; returns true if it differs from what we had. Fires "ended" on a transition. */
  private track(job: FineTuningJob): boolean {
    const before = this.jobs.get(job.id);
    // The list form of a job has no checkpoints or events: while the job has not changed, keep the details we hold.
    const stored = before?.checkpoints && !job.checkpoints && before.modified_at === job.modified_at ? { ...job, checkpoints: before.checkpoints, events: before.events } : job;
    // Compared as stored: the same job again (list or detail form) is no change, so polling can back off and the
    // tree is not redrawn.
    const fp = jobFingerprint(stored);
    if (this.prints.get(job.id) === fp) return false;
    this.prints.set(job.id, fp);
    this.jobs.set(job.id, stored);
    // After a reload nothing is in memory yet: the run folder's link remembers the last status we saw, so a job
    // that ended while VS Code was closed or reloading is still announced (once: the link is updated below).
    const previous = before?.status ?? this.links.get(job.id)?.lastStatus;
    this.links.noteStatus(job.id, job.status, job.fine_tuned_model).catch((err) => this.log.warn(`jobs: cannot update the run folder link: ${errorMessage(err)}`));
    if (previous && !isTerminalJobStatus(previous) && isTerminalJobStatus(job.status) && this.serverValue && !this.declined.has(job.id)) {
      this.ended.fire({ job, server: this.serverValue, ...(this.cancelRequested.delete(job.id) ? { cancelRequested: true } : {}) });
    }
    if (isTerminalJobStatus(job.status)) this.actedOn.delete(job.id);
    return true;
  }

  private scheduleNext(changed: boolean, failed = false): void {
    this.clearTimer();
    if (this.disposed) return;
    const anyActive = this.list().some((j) => this.moves(j));
    const delay = this.schedule.next({
      changed,
      failed,
      anyActive,
      visible: this.visibleSources.size > 0,
      stopped: this.stateValue === 'unavailable' || this.stateValue === 'authFailed' || this.stateValue === 'noKey',
    });
    if (delay !== undefined) this.timer = setTimeout(() => void this.refresh({ full: false }), delay);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setState(s: JobsState): void {
    const changed = s !== this.stateValue;
    this.stateValue = s;
    this.opts.onState?.(s);
    // Details panels show why a job cannot be shown (no key, refused, retired): they listen for this.
    if (changed) this.changed.fire(undefined);
  }

  /** Stops polling (the poll in flight is aborted) and drops every listener. */
  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    this.poller.dispose();
    this.changed.clear();
    this.ended.clear();
  }
}
