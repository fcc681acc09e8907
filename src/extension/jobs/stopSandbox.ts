// Pixtune: Stop Sandbox — the way back from a rehearsal: stops the local sandbox this window runs, points
// Pixtune at Mistral again (the pixtune.serverUrl user setting goes back to its default), deletes the
// sandbox URL's stored key and forgets the sandbox, so a reload does not start it again. Jobs run on it stay
// recorded in their run folders (job.json).
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { notice } from '../../core/text/notificationText';
import { SANDBOX_MEMORY_KEY, parseSandboxMemory } from '../../core/jobs/sandboxMemory';
import { normalizeServerUrl } from '../../core/jobs/serverKind';
import type { ServerAccess } from './serverAccess';
import type { LocalSandbox } from './localSandbox';

export async function stopSandbox(sandbox: LocalSandbox, state: vscode.Memento, access: ServerAccess, log: vscode.LogOutputChannel): Promise<void> {
  const memory = parseSandboxMemory(state.get(SANDBOX_MEMORY_KEY));
  const configured = access.serverUrl();
  const sandboxUrls = [sandbox.url, memory?.url].filter((u): u is string => !!u).map((u) => normalizeServerUrl(u));
  const pointsAtSandbox = sandboxUrls.includes(configured) || (await access.info()).kind === 'sandbox';
  if (!sandbox.url && !pointsAtSandbox) {
    void vscode.window.showInformationMessage('No local sandbox is running, and Pixtune does not use one.');
    return;
  }
  await sandbox.stop();
  await state.update(SANDBOX_MEMORY_KEY, undefined);
  if (pointsAtSandbox) {
    await access.clearKey(configured).catch((err: unknown) => log.warn(`sandbox: cannot delete the stored key of ${configured}: ${errorMessage(err)}`));
    // The setting is application-scoped (user settings): removing it there falls back to the Mistral default.
    await vscode.workspace.getConfiguration('pixtune').update('serverUrl', undefined, vscode.ConfigurationTarget.Global);
  }
  const now = access.serverUrl();
  log.info(`sandbox: stopped; Pixtune uses ${now}`);
  void vscode.window.showInformationMessage(
    notice`The local sandbox was stopped. Pixtune uses ${now} again (set its key with Pixtune: Set API Key); the sandbox jobs stay recorded in their run folders.`,
  );
}
