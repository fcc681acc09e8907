// core/ speaks AbortSignal; VS Code speaks CancellationToken. The conversion happens here, at the edge.
import type * as vscode from 'vscode';

export function toAbortSignal(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}
