// Wires the fine-tuning side of the extension: server and key, the Jobs view, polling, the status
// bar, the details panels and the commands. Called once from activate().
import * as vscode from 'vscode';
import { CommandId } from '../commandIds';
import { registerCommand } from '../registerCommand';
import { clearApiKey, setApiKey } from './apiKeyCommands';
import { cancelJob, copyModelId, notifyJobEnded, startJob } from './jobCommands';
import { JOB_DETAILS_VIEW_TYPE, JobDetailsPanels } from './jobDetailsPanel';
import { JobLinkStore } from './jobLinkStore';
import { JobsController } from './jobsController';
import { publishJobContextKeys } from '../jobContextKeys';
import { JobsTreeProvider, bindJobsViewChrome } from './jobsTree';
import { createJobsStatusBar } from './jobsStatusBar';
import { launchFineTuning, uploadCachePathFor } from './launchFineTuning';
import { LocalSandbox } from './localSandbox';
import { stopSandbox } from './stopSandbox';
import { ServerAccess } from './serverAccess';
import { linkAwaitsJob } from '../../core/jobs/jobLinkStore';
import type { TrainingJobs } from '../training/trainingJobs';

export interface JobsApi {
  /** Job ids and statuses as the Jobs view shows them (for tests). */
  jobs(): { id: string; status: string; fineTunedModel?: string | null }[];
  state(): string;
}

export function registerJobs(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, training?: TrainingJobs): JobsApi {
  const access = new ServerAccess(context.secrets);
  const links = new JobLinkStore(context.workspaceState, log);
  const controller = new JobsController(access, links, log);
  const provider = new JobsTreeProvider(controller, links, training);
  const view = vscode.window.createTreeView('pixtune.jobs', { treeDataProvider: provider });
  const panels = new JobDetailsPanels(context.extensionUri, controller, links, log, training);
  const sandbox = new LocalSandbox(access, context.workspaceState, log);
  context.subscriptions.push(access, controller, provider, view, panels, sandbox, bindJobsViewChrome(view, controller), createJobsStatusBar(controller));
  context.subscriptions.push(controller.onDidEndJob((e) => notifyJobEnded(e, log)));
  // Start / Cancel Job and Copy Model ID appear in the palette only when some job fits (package.json when-clauses).
  context.subscriptions.push(publishJobContextKeys(controller));
  // Details panels open at a reload or restart come back (activation event onWebviewPanel:pixtune.jobDetails).
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(JOB_DETAILS_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) =>
        panels.restore(panel, state).catch((err) => {
          log.warn(`job details: could not restore a panel: ${err instanceof Error ? err.message : String(err)}`);
          panel.dispose();
        }),
    }),
  );
  context.subscriptions.push(view.onDidChangeVisibility((e) => controller.setVisible('tree', e.visible)));

  const reg = (id: Parameters<typeof registerCommand>[2], fn: (...a: any[]) => unknown) => registerCommand(context, log, id, fn);
  reg(CommandId.setApiKey, () => setApiKey(access, log));
  reg(CommandId.clearApiKey, () => clearApiKey(access, log));
  reg(CommandId.startSandbox, () => sandbox.start());
  reg(CommandId.stopSandbox, () => stopSandbox(sandbox, context.workspaceState, access, log));
  // Stop Sandbox is offered (palette, Jobs view menu) only while Pixtune points at a sandbox.
  let isSandbox: boolean | undefined;
  context.subscriptions.push(
    controller.onDidChange(() => {
      const now = controller.server?.kind === 'sandbox';
      if (now !== isSandbox) void vscode.commands.executeCommand('setContext', 'pixtune.serverIsSandbox', (isSandbox = now));
    }),
  );
  reg(CommandId.launchFineTuning, (arg?: unknown) => launchFineTuning({ access, controller, links, log, uploadCachePath: uploadCachePathFor(context) }, arg));
  // A manual refresh aborts a poll in flight (it may hang on an unreachable server) and polls afresh.
  reg(CommandId.refreshJobs, () => Promise.all([controller.refresh({ full: true, restart: true }), training?.watcher.refresh()]));
  reg(CommandId.startJob, (arg?: unknown) => startJob(access, controller, arg));
  reg(CommandId.cancelJob, (arg?: unknown) => cancelJob(access, controller, arg));
  reg(CommandId.copyModelId, (arg?: unknown) => copyModelId(controller, arg));
  reg(CommandId.openJobDetails, async (arg?: unknown) => {
    const id = typeof arg === 'string' ? arg : undefined;
    if (id) await panels.open(id);
  });

  // After a reload: jobs launched here and last seen running are polled again even if the view is
  // hidden; otherwise the first poll waits for the view (or a panel) to become visible.
  const firstPoll = () => {
    controller.setVisible('tree', view.visible);
    // A link whose server said it no longer knows the job (notFoundAt) is not pending.
    const pending = Object.values(links.all()).filter(linkAwaitsJob);
    if (pending.length || view.visible) void controller.refresh();
    else {
      access.hasKey().then(
        (has) => vscode.commands.executeCommand('setContext', 'pixtune.jobsState', has ? 'ready' : 'noKey'),
        (err) => log.warn(`jobs: cannot read the API key store: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  };
  // A reload stopped the sandbox this workspace points at: start it again (same port) before the first poll,
  // so the Jobs view does not open on "could not reach". restoreAfterReload never rejects.
  void sandbox.restoreAfterReload().then(firstPoll, firstPoll);

  return {
    jobs: () => controller.list().map((j) => ({ id: j.id, status: j.status, fineTunedModel: j.fine_tuned_model })),
    state: () => controller.state,
  };
}
