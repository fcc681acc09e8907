// The one message shown when the server says fine-tuning is unavailable (Mistral retired hosted
// fine-tuning in 2026). Shown once per server per window: polling stops at that point, and the Jobs
// view shows the same state as its welcome content instead of repeating notifications.
import * as vscode from 'vscode';

const shownFor = new Set<string>();

export const UNAVAILABLE_MESSAGE =
  'Fine-tuning is not available on this server: Mistral retired hosted fine-tuning in 2026. Prepared training files, evaluation of base and existing fine-tuned models, and the local sandbox (or another compatible server in settings) still work.';

export function showFineTuningUnavailable(serverUrl: string, log: vscode.LogOutputChannel, detail?: string): void {
  if (detail) log.warn(`fine-tuning unavailable on ${serverUrl}: ${detail}`);
  if (shownFor.has(serverUrl)) return;
  shownFor.add(serverUrl);
  void vscode.window.showWarningMessage(UNAVAILABLE_MESSAGE, 'Start Local Sandbox', 'Open Settings').then((choice) => {
    if (choice === 'Start Local Sandbox') void vscode.commands.executeCommand('pixtune.startSandbox');
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'pixtune.serverUrl');
  });
}
