// The one registration wrapper: every command logs its start and failures to the output channel,
// shows failures as one sentence (with the action to take as a button when there is one), and treats
// cancellation as a normal outcome.
import * as vscode from 'vscode';
import { notice, plainForNotification } from '../core/text/notificationText';
import { UserError, errorMessage, isAbortError } from '../core/errors';
import type { CommandIdValue } from './commandIds';

export function registerCommand(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  id: CommandIdValue,
  handler: (...args: any[]) => unknown,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      log.debug(`command ${id}`);
      try {
        return await handler(...args);
      } catch (err) {
        if (isAbortError(err) || err instanceof vscode.CancellationError) {
          log.info(`command ${id} cancelled`);
          return undefined;
        }
        reportError(log, id, err);
        return undefined;
      }
    }),
  );
}

export function reportError(log: vscode.LogOutputChannel, where: string, err: unknown): void {
  if (err instanceof UserError) {
    log.warn(`${where}: ${err.message}${err.detail ? ` (${err.detail})` : ''}`);
    void vscode.window.showErrorMessage(plainForNotification(err.action ? `${err.message} ${err.action}` : err.message));
    return;
  }
  log.error(`${where} failed`, err instanceof Error ? err : new Error(errorMessage(err)));
  void vscode.window.showErrorMessage(notice`Pixtune: ${errorMessage(err)} (details in the Pixtune output).`);
}
