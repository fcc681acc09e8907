// The job-details webview host: one panel per job. The panel says "ready", then gets the job as a
// view model (computed by core, validated by the shared schema) every time the job changes, so the
// loss chart grows live while the job runs. Messages from the page are validated before use; the
// page never gets paths or the key, only display strings and numbers.
import * as vscode from 'vscode';
import { webviewPageHtml } from '../webviewPage';
import { z } from 'zod';
import { jobDetailsModel, type JobDetailsModel } from '../../core/jobs/jobDetailsModel';
import { historyDetailsModel } from '../../core/jobs/jobHistory';
import { readOwnEstimate, type OwnEstimate } from '../../core/jobs/ownEstimate';
import { hostToWebviewSchema, jobDetailsModelSchema, webviewToHostSchema, type HostToWebview } from '../../webview/messages';
import { CommandId } from '../commandIds';
import type { JobsController, JobsState } from './jobsController';
import type { JobLinkStore } from './jobLinkStore';
import { TRAINING_PREFIX, type TrainingJobs } from '../training/trainingJobs';

export const JOB_DETAILS_VIEW_TYPE = 'pixtune.jobDetails';

/** What the page saves with setState (see src/webview/jobDetailsView.ts); the id is all a restore needs. */
const restoredStateSchema = z.object({ job: z.object({ id: z.string().min(1) }) });

/** Why a job is not in the controller's list, by the list's state. */
const MISSING_JOB: Record<JobsState, string> = {
  loading: '',
  ready: 'This job is not in the current list (another server, or it was deleted). Refresh the Fine-tuning Jobs view.',
  noKey: 'No API key is set for this server. Run "Pixtune: Set API Key", then refresh.',
  authFailed: 'The server refused the API key. Run "Pixtune: Set API Key" to enter another one.',
  unavailable: 'Fine-tuning jobs are not available on this server any more; see the Fine-tuning Jobs view for what you can still do.',
  error: 'The job could not be fetched (see the Fine-tuning Jobs view). It will be shown again once the server answers.',
};

export class JobDetailsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly estimates = new Map<string, OwnEstimate | undefined>();
  /** The last details each panel showed (or saved before a reload): kept on screen when the server loses the job. */
  private readonly lastShown = new Map<string, JobDetailsModel>();
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: JobsController,
    private readonly links: JobLinkStore,
    private readonly log: vscode.LogOutputChannel,
    /** Jobs on this machine and on a Ray cluster (ids "training:…"), shown by the same page (issue 9). */
    private readonly training?: TrainingJobs,
  ) {
    this.sub = controller.onDidChange((ids) => {
      for (const id of this.panels.keys()) if (ids === undefined || ids.includes(id)) this.post(id);
    });
    this.trainingSub = training?.onDidChange(() => {
      for (const id of this.panels.keys()) if (id.startsWith(TRAINING_PREFIX)) this.post(id);
    });
  }

  private readonly trainingSub: vscode.Disposable | undefined;

  async open(jobId: string): Promise<void> {
    const existing = this.panels.get(jobId);
    if (existing) {
      existing.reveal();
      return;
    }
    // Read before the panel exists: awaiting after it would leave a window in which a closed panel stays listed.
    await this.loadEstimate(jobId);
    if (this.panels.has(jobId)) return this.panels.get(jobId)!.reveal(); // opened meanwhile by a second call
    const job = this.controller.get(jobId);
    const panel = vscode.window.createWebviewPanel(JOB_DETAILS_VIEW_TYPE, `Job ${job?.suffix ?? jobId.slice(0, 8)}`, vscode.ViewColumn.Active, this.webviewOptions());
    this.adopt(jobId, panel);
  }

  /**
   * A panel VS Code brings back after a reload or restart (see registerWebviewPanelSerializer). Its saved
   * state is the page's last job model; only the id is taken from it, the rest is fetched afresh. A panel
   * whose state does not name a job (an older version's, or one closed before it loaded) is closed.
   */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = restoredStateSchema.safeParse(state);
    if (!saved.success || this.panels.has(saved.data.job.id)) {
      panel.dispose();
      return;
    }
    const jobId = saved.data.job.id;
    const savedModel = jobDetailsModelSchema.safeParse((state as { job?: unknown }).job);
    if (savedModel.success && !savedModel.data.recorded) this.lastShown.set(jobId, savedModel.data);
    panel.webview.options = this.webviewOptions();
    this.adopt(jobId, panel);
    // The estimate is optional decoration: draw without it now, redraw when it is read.
    await this.loadEstimate(jobId);
    // The restored page shows its saved model at once; the first poll after the reload (started by
    // activation, and by this panel becoming visible) brings it up to date.
    this.post(jobId);
  }

  private async loadEstimate(jobId: string): Promise<void> {
    const link = this.links.get(jobId);
    if (link && !this.estimates.has(jobId)) this.estimates.set(jobId, await readOwnEstimate(link.runDir));
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  /** Wires a new or restored panel to one job: page, messages, visibility (which drives polling). */
  private adopt(jobId: string, panel: vscode.WebviewPanel): void {
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'pixtune.svg');
    this.panels.set(jobId, panel);
    panel.webview.html = this.html(panel.webview);
    panel.onDidDispose(() => {
      this.panels.delete(jobId);
      this.lastShown.delete(jobId);
      this.controller.setVisible(`panel:${jobId}`, false);
      this.training?.watcher.setWatched(jobId.slice(TRAINING_PREFIX.length), false);
    });
    if (jobId.startsWith(TRAINING_PREFIX)) this.training?.watcher.setWatched(jobId.slice(TRAINING_PREFIX.length), true);
    panel.onDidChangeViewState((e) => this.controller.setVisible(`panel:${jobId}`, e.webviewPanel.visible));
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const parsed = webviewToHostSchema.safeParse(raw);
      if (!parsed.success) {
        this.log.warn(`job details: ignored a malformed message from the webview`);
        return;
      }
      const msg = parsed.data;
      if (msg.type === 'ready') {
        this.controller.setVisible(`panel:${jobId}`, panel.visible);
        this.post(jobId);
        return;
      }
      if (msg.type === 'copy') {
        void this.copyShownCommand(jobId, msg.text);
        return;
      }
      if (jobId.startsWith(TRAINING_PREFIX)) {
        const own = this.training?.commandFor(msg.action);
        if (own) void vscode.commands.executeCommand(own, jobId);
        return;
      }
      const command = {
        start: CommandId.startJob,
        cancel: CommandId.cancelJob,
        refresh: CommandId.refreshJobs,
        copyModelId: CommandId.copyModelId,
      }[msg.action];
      void vscode.commands.executeCommand(command, jobId);
    });
  }

  /** Copies a command the panel shows; text the host did not send (a tampered page) is refused. */
  private async copyShownCommand(jobId: string, text: string): Promise<void> {
    const shown = jobId.startsWith(TRAINING_PREFIX) ? this.training?.detailsModel(jobId)?.model.commands : undefined;
    const command = shown?.find((c) => c.value === text);
    if (!command) {
      this.log.warn('job details: ignored a copy request for text the panel does not show');
      return;
    }
    await vscode.env.clipboard.writeText(command.value);
    vscode.window.setStatusBarMessage(`$(copy) Copied: ${command.label}`, 4000);
  }

  private post(jobId: string): void {
    if (jobId.startsWith(TRAINING_PREFIX)) {
      // Not listed yet (a panel restored after a reload): the page keeps its saved copy until the first poll.
      const trained = this.training?.detailsModel(jobId);
      const p = this.panels.get(jobId);
      if (trained && p) {
        p.title = trained.title;
        void p.webview.postMessage(hostToWebviewSchema.parse({ type: 'job', job: trained.model }));
      }
      return;
    }
    const panel = this.panels.get(jobId);
    const job = this.controller.get(jobId);
    if (!panel) return;
    let message: HostToWebview;
    const recorded = job ? undefined : this.controller.history().find((l) => l.jobId === jobId);
    const server = this.controller.server;
    const kept = this.lastShown.get(jobId);
    // What was shown before (saved across a reload) stays on screen, calmly, without actions that cannot work now.
    const keep = (notice: string): HostToWebview | undefined =>
      kept && { type: 'job', job: { ...kept, notice, recorded: true, canStart: false, canCancel: false, hasModel: false, active: false } };
    if (recorded && server) {
      // The server no longer has it (a restarted sandbox): the details shown before, else the run folder's record.
      const fromRecord = historyDetailsModel(recorded, server);
      message = keep(fromRecord.notice!) ?? { type: 'job', job: fromRecord };
      panel.title = `Job ${jobId.slice(0, 8)} (recorded)`;
    } else if (!job) {
      // Not fetched yet (a panel restored after a reload): the page keeps showing its saved copy until the first poll.
      if (this.controller.state === 'loading') return;
      message = keep(MISSING_JOB[this.controller.state]) ?? { type: 'error', message: MISSING_JOB[this.controller.state] };
    } else {
      const model = jobDetailsModel(job, {
        nowMs: Date.now(),
        serverLabel: server?.label ?? 'Server',
        isSandbox: server?.kind === 'sandbox',
        runName: this.links.runName(jobId),
        estimate: this.estimates.get(jobId),
      });
      message = { type: 'job', job: model };
      this.lastShown.set(jobId, model);
      panel.title = `Job ${job.suffix ?? job.id.slice(0, 8)}${server?.kind === 'sandbox' ? ' (Sandbox)' : ''}`;
    }
    // Validated on the way out too: a host bug should fail here, loudly, not draw garbage.
    void panel.webview.postMessage(hostToWebviewSchema.parse(message));
  }

  private html(webview: vscode.Webview): string {
    return webviewPageHtml(webview, this.extensionUri, { script: 'webview.js', stylesheet: 'jobDetails.css', title: 'Fine-tuning job', loading: 'Loading the job…', view: 'jobDetails' });
  }

  dispose(): void {
    this.sub.dispose();
    this.trainingSub?.dispose();
    for (const p of this.panels.values()) p.dispose();
  }
}
