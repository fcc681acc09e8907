// Publishes core/jobs/jobContextKeys for the Command Palette's when-clauses, each time the job list changes
// (only the keys whose value changed are sent).
import * as vscode from 'vscode';
import { jobContextKeys } from '../core/jobs/jobContextKeys';

export function publishJobContextKeys(jobs: { list(): readonly { status: string; fine_tuned_model?: string | null }[]; onDidChange: vscode.Event<unknown> }): vscode.Disposable {
  const sent = new Map<string, boolean>();
  const publish = () => {
    for (const [key, value] of Object.entries(jobContextKeys(jobs.list()))) {
      if (sent.get(key) === value) continue;
      sent.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
  };
  publish();
  return jobs.onDidChange(publish);
}
