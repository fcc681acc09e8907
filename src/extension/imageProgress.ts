// A cancellable progress notification for image operations: the core reports {done, total, rate, eta},
// this turns it into increments and one line of text, and the token into an AbortSignal.
import * as vscode from 'vscode';
import { plainForNotification } from '../core/text/notificationText';
import { describeImageProgress, type ImageProgress } from '../core/progressText';
import { toAbortSignal } from './abortSignal';

export function withImageProgress<T>(title: string, task: (signal: AbortSignal, report: (p: ImageProgress) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: plainForNotification(title), cancellable: true }, (progress, token) => {
    let lastPct = 0;
    return task(toAbortSignal(token), (p) => {
      const pct = p.total ? (p.done / p.total) * 100 : 0;
      progress.report({ increment: Math.max(0, pct - lastPct), message: plainForNotification(describeImageProgress(p)) });
      lastPct = pct;
    });
  });
}
