// The status bar item: how many fine-tuning jobs are running; hidden when there are no jobs at all.
// Clicking it focuses the Jobs view.
import * as vscode from 'vscode';
import type { JobsController } from './jobsController';

export function createJobsStatusBar(controller: JobsController): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('pixtune.jobs', vscode.StatusBarAlignment.Left, 20);
  item.name = 'Pixtune Fine-tuning Jobs';
  item.command = 'pixtune.jobs.focus';
  const update = () => {
    const jobs = controller.list();
    if (controller.state !== 'ready' || jobs.length === 0) {
      item.hide();
      return;
    }
    const running = controller.runningCount();
    const sandbox = controller.server?.kind === 'sandbox' ? ' (Sandbox)' : '';
    item.text = running ? `$(sync~spin) ${running} fine-tuning job${running === 1 ? '' : 's'}${sandbox}` : `$(beaker) 0 running${sandbox}`;
    item.tooltip = `${running} of ${jobs.length} fine-tuning jobs running on ${controller.server?.label ?? 'the server'}. Click to show them.`;
    item.show();
  };
  update();
  const sub = controller.onDidChange(update);
  return vscode.Disposable.from(item, sub);
}
