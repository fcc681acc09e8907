// The extension's side of the jobs watcher (core/jobs/jobsWatcher.ts, where the polling logic lives and is
// tested): it feeds the watcher the server access, the link store and the log channel, turns its events into
// VS Code events, mirrors its state into the `pixtune.jobsState` context key, and shows the one "fine-tuning
// unavailable" message.
import * as vscode from 'vscode';
import type { FineTuningJob } from '../../core/mistral/wireSchemas';
import type { JobLink } from '../../core/jobs/jobLinks';
import { JobsWatcher, type JobEnded, type JobsState } from '../../core/jobs/jobsWatcher';
import type { ServerAccess, ServerInfo } from './serverAccess';
import type { JobLinkStore } from './jobLinkStore';
import { showFineTuningUnavailable } from './fineTuningUnavailable';

export type { JobEnded, JobsState };

export class JobsController implements vscode.Disposable {
  private readonly watcher: JobsWatcher;
  private readonly changedEmitter = new vscode.EventEmitter<string[] | undefined>();
  /** Job ids whose data changed, or undefined when the list itself changed. */
  readonly onDidChange = this.changedEmitter.event;
  private readonly endedEmitter = new vscode.EventEmitter<JobEnded>();
  readonly onDidEndJob = this.endedEmitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(access: ServerAccess, links: JobLinkStore, log: vscode.LogOutputChannel) {
    this.watcher = new JobsWatcher({
      source: access,
      links,
      log,
      onUnavailable: (serverUrl, detail) => showFineTuningUnavailable(serverUrl, log, detail),
      onState: (s) => void vscode.commands.executeCommand('setContext', 'pixtune.jobsState', s),
    });
    const offChanged = this.watcher.onDidChange((ids) => this.changedEmitter.fire(ids));
    const offEnded = this.watcher.onDidEndJob((e) => this.endedEmitter.fire(e));
    this.subscriptions.push(
      new vscode.Disposable(offChanged),
      new vscode.Disposable(offEnded),
      access.onDidChange(() => this.watcher.serverChanged()),
    );
  }

  get state(): JobsState {
    return this.watcher.state;
  }
  get error(): string | undefined {
    return this.watcher.error;
  }
  get server(): ServerInfo | undefined {
    return this.watcher.server;
  }

  list(): FineTuningJob[] {
    return this.watcher.list();
  }

  get(jobId: string): FineTuningJob | undefined {
    return this.watcher.get(jobId);
  }

  runningCount(): number {
    return this.watcher.runningCount();
  }

  /** A view or panel showing jobs became visible or hidden; polling follows. */
  setVisible(source: string, visible: boolean): void {
    this.watcher.setVisible(source, visible);
  }

  /** Stores a job we got from elsewhere (launch, start, cancel) and resumes fast polling. */
  upsert(job: FineTuningJob): void {
    this.watcher.upsert(job);
  }

  /** See JobsWatcher.noteCancelRequested: a job that ends otherwise is announced as a cancel that came too late. */
  noteCancelRequested(jobId: string): void {
    this.watcher.noteCancelRequested(jobId);
  }

  /** See JobsWatcher.decline: the job declined at the launch confirmation leaves the list, unannounced. */
  decline(jobId: string): Promise<void> {
    return this.watcher.decline(jobId);
  }

  /** Recorded jobs this server no longer lists (a restarted sandbox), shown as history. */
  history(): JobLink[] {
    return this.watcher.history();
  }

  /** Polls now; see JobsWatcher.refresh (`restart` aborts a poll in flight first). */
  refresh(opts?: { full?: boolean; restart?: boolean }): Promise<void> {
    return this.watcher.refresh(opts);
  }

  dispose(): void {
    this.watcher.dispose();
    this.changedEmitter.dispose();
    this.endedEmitter.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
