// Pixtune: Set API Key / Clear API Key. The key is checked with the cheapest call there is (list the
// models) before it is stored, and the result says which server accepted or refused it.
import * as vscode from 'vscode';
import { notice } from '../../core/text/notificationText';
import { MistralError } from '../../core/mistral/errors';
import { connectionFor, type ServerAccess } from './serverAccess';
import { UserError } from '../../core/errors';
import { checkServerUrl } from '../../core/jobs/serverKind';
import { requireTrustedWorkspace } from '../workspaceTrust';

export async function setApiKey(access: ServerAccess, log: vscode.LogOutputChannel): Promise<boolean> {
  requireTrustedWorkspace();
  const server = await access.info();
  // Refuse before the key is typed: it would be tested against (sent to) this URL.
  const bad = checkServerUrl(server.url);
  if (bad) throw new UserError(bad, 'Fix the pixtune.serverUrl setting (user settings).');
  const key = await vscode.window.showInputBox({
    title: `Pixtune: API key for ${server.label}`,
    prompt: server.kind === 'sandbox' ? 'Start Local Sandbox stores its key itself; a sandbox started with "pixtune sandbox" prints its key on its second line.' : `Paste your Mistral API key (server: ${server.url}). It is kept in VS Code's secret storage.`,
    password: true,
    ignoreFocusOut: true,
    placeHolder: 'API key',
    validateInput: (v) => (v.trim() ? undefined : 'The key cannot be empty.'),
  });
  if (key === undefined) return false;
  const trimmed = key.trim();
  const verdict = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: notice`Checking the key with ${server.label}…`, cancellable: true },
    async (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      try {
        const conn = await connectionFor(server.url, trimmed);
        const models = await conn.models.list(controller.signal);
        return { ok: true as const, count: models.data?.length ?? 0 };
      } catch (err) {
        return { ok: false as const, err };
      }
    },
  );
  if (verdict.ok) {
    await access.storeKey(trimmed, server.url);
    log.info(`API key stored for ${server.label} (${server.url}); ${verdict.count} models listed`);
    void vscode.window.showInformationMessage(notice`${server.label} accepted the API key (${verdict.count} models available). It is stored in VS Code's secret storage.`);
    return true;
  }
  const err = verdict.err;
  if (err instanceof MistralError && err.kind === 'auth') {
    log.warn(`API key rejected by ${server.label}: ${err.detail ?? err.message}`);
    void vscode.window.showErrorMessage(notice`${server.label} rejected this API key; it was not saved.`);
    return false;
  }
  if (controllerAborted(err)) return false;
  // The server could not be asked (offline, proxy down): let the user keep the key anyway.
  const message = err instanceof Error ? err.message : String(err);
  log.warn(`API key not verified with ${server.label}: ${err instanceof MistralError ? (err.detail ?? err.message) : message}`);
  const save = await vscode.window.showWarningMessage(notice`Could not check the key: ${message} Save it anyway?`, { modal: true }, 'Save Anyway');
  if (save !== 'Save Anyway') return false;
  await access.storeKey(trimmed, server.url);
  return true;
}

function controllerAborted(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError';
}

export async function clearApiKey(access: ServerAccess, log: vscode.LogOutputChannel): Promise<void> {
  const server = await access.info();
  if (!(await access.hasKey())) {
    void vscode.window.showInformationMessage(notice`No API key is stored for ${server.label}.`);
    return;
  }
  await access.clearKey(server.url);
  log.info(`API key cleared for ${server.label}`);
  void vscode.window.showInformationMessage(notice`The API key for ${server.label} was removed from secret storage.`);
}
