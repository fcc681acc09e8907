// The Fine-tuning Jobs view: one row per job of the account, newest first. Nodes are job ids, so a
// status change refreshes just that row. The view's description names the server ("Sandbox" when
// it is the sandbox), and states without jobs (no key, fine-tuning retired) use welcome content.
import * as vscode from 'vscode';
import { jobRowModel } from '../../core/jobs/jobRowModel';
import { CommandId } from '../commandIds';
import type { JobsController } from './jobsController';
import type { JobLinkStore } from './jobLinkStore';

export class JobsTreeProvider implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<string | string[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly controller: JobsController,
    private readonly links: JobLinkStore,
  ) {
    this.sub = controller.onDidChange((ids) => {
      if (ids === undefined) this.emitter.fire(undefined);
      else if (ids.length) this.emitter.fire(ids);
    });
  }

  getChildren(element?: string): string[] {
    if (element) return [];
    return this.controller.state === 'ready' || this.controller.state === 'error' ? this.controller.list().map((j) => j.id) : [];
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(id: string): vscode.TreeItem {
    const job = this.controller.get(id);
    const item = new vscode.TreeItem(id, vscode.TreeItemCollapsibleState.None);
    item.id = `job:${id}`;
    if (!job) return item;
    const row = jobRowModel(job, Date.now(), { runName: this.links.runName(id) });
    item.label = row.label;
    item.description = row.description;
    const tooltip = new vscode.MarkdownString();
    for (const line of row.tooltip) tooltip.appendText(line + '\n\n');
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(row.look.icon, row.look.color ? new vscode.ThemeColor(row.look.color) : undefined);
    item.contextValue = row.contextValue;
    item.accessibilityInformation = { label: `${row.label}, ${row.description}` };
    item.command = { command: CommandId.openJobDetails, title: 'Open Details', arguments: [id] };
    return item;
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

/** Keeps the view's description and message in step with the controller's state. */
export function bindJobsViewChrome(view: vscode.TreeView<string>, controller: JobsController): vscode.Disposable {
  const update = () => {
    const label = controller.server?.label;
    view.description = label === 'Sandbox' ? 'Sandbox (local, not Mistral)' : label;
    const running = controller.runningCount();
    view.badge = running ? { value: running, tooltip: `${running} fine-tuning job${running === 1 ? '' : 's'} running` } : undefined;
    view.message = controller.state === 'error' && controller.error ? `Could not refresh the jobs: ${controller.error}` : undefined;
  };
  update();
  return controller.onDidChange(update);
}
