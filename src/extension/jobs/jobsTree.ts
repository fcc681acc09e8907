// The Fine-tuning Jobs view: one row per job of the account, newest first. Nodes are job ids, so a
// status change refreshes just that row. The view's description names the server ("Sandbox" when
// it is the sandbox), and states without jobs (no key, fine-tuning retired) use welcome content.
// Jobs recorded in run folders that the server no longer lists (a restarted sandbox) follow as history rows.
import * as vscode from 'vscode';
import { jobRowModel } from '../../core/jobs/jobRowModel';
import { historyRow } from '../../core/jobs/jobHistory';
import { CommandId } from '../commandIds';
import type { JobsController } from './jobsController';
import type { JobLinkStore } from './jobLinkStore';
import { MISTRAL_GROUP, type TrainingJobs } from '../training/trainingJobs';

export class JobsTreeProvider implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<string | string[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  private readonly trainingSub: vscode.Disposable | undefined;

  constructor(
    private readonly controller: JobsController,
    private readonly links: JobLinkStore,
    /** Jobs on this machine and on a Ray cluster (issue 9): with any, the view groups its rows by backend. */
    private readonly training?: TrainingJobs,
  ) {
    this.sub = controller.onDidChange((ids) => {
      if (ids === undefined) this.emitter.fire(undefined);
      else if (ids.length) this.emitter.fire(ids);
    });
    this.trainingSub = training?.onDidChange(() => this.emitter.fire(undefined));
  }

  getChildren(element?: string): string[] {
    const mistral = () => (this.controller.state !== 'ready' && this.controller.state !== 'error' ? [] : [...this.controller.list().map((j) => j.id), ...this.controller.history().map((l) => l.jobId)]);
    if (element === MISTRAL_GROUP) return mistral();
    if (element) return this.training?.children(element) ?? [];
    // Only Mistral jobs: the flat list as before (and the welcome content when there are none).
    if (!this.training?.hasJobs()) return mistral();
    return [MISTRAL_GROUP, ...this.training.groupIds()];
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(id: string): vscode.TreeItem {
    const trained = this.training?.treeItem(id, this.controller.server?.label);
    if (trained) return trained;
    const job = this.controller.get(id);
    const item = new vscode.TreeItem(id, vscode.TreeItemCollapsibleState.None);
    item.id = `job:${id}`;
    if (!job) return this.historyItem(item, id);
    const row = jobRowModel(job, Date.now(), { runName: this.links.runName(id) });
    item.label = row.label;
    item.description = row.description;
    item.tooltip = plainTooltip(row.tooltip);
    item.iconPath = new vscode.ThemeIcon(row.look.icon, row.look.color ? new vscode.ThemeColor(row.look.color) : undefined);
    item.contextValue = row.contextValue;
    item.accessibilityInformation = { label: `${row.label}, ${row.description}` };
    item.command = { command: CommandId.openJobDetails, title: 'Open Details', arguments: [id] };
    return item;
  }

  /** A recorded job the server no longer has: a calm history row that opens the saved record. */
  private historyItem(item: vscode.TreeItem, id: string): vscode.TreeItem {
    const link = this.controller.history().find((l) => l.jobId === id);
    const server = this.controller.server;
    if (!link || !server) return item;
    const row = historyRow(link, server, Date.now());
    item.label = row.label;
    item.description = row.description;
    item.tooltip = plainTooltip(row.tooltip);
    item.iconPath = new vscode.ThemeIcon('history', new vscode.ThemeColor('disabledForeground'));
    item.contextValue = row.contextValue;
    item.accessibilityInformation = { label: `${row.label}, ${row.description}` };
    item.command = { command: CommandId.openJobDetails, title: 'Open Details', arguments: [id] };
    return item;
  }

  dispose(): void {
    this.sub.dispose();
    this.trainingSub?.dispose();
    this.emitter.dispose();
  }
}

/** Lines of plain text (server strings included) as a Markdown tooltip that renders none of them as Markdown. */
function plainTooltip(lines: string[]): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString();
  for (const line of lines) tooltip.appendText(line + '\n\n');
  return tooltip;
}

/** Keeps the view's description and message in step with the controller's state. */
export function bindJobsViewChrome(view: vscode.TreeView<string>, controller: JobsController): vscode.Disposable {
  const update = () => {
    const label = controller.server?.label;
    view.description = label === 'Sandbox' ? 'Sandbox (local, not Mistral)' : label;
    const running = controller.runningCount();
    view.badge = running ? { value: running, tooltip: `${running} fine-tuning job${running === 1 ? '' : 's'} running` } : undefined;
    const restarted = controller.server?.kind === 'sandbox' && controller.history().length > 0;
    view.message =
      controller.state === 'error' && controller.error
        ? `Could not refresh the jobs: ${controller.error}`
        : restarted
          ? 'The local sandbox was restarted and keeps jobs in memory only: earlier jobs are shown as history, from what the run folders recorded.'
          : undefined;
  };
  update();
  return controller.onDidChange(update);
}
