// Restricted Mode: a cloned repository is exactly where a hostile manifest, folder name or server URL
// comes from. Until the user trusts the workspace, Pixtune browses and checks datasets but sends no
// API key and uploads nothing. package.json disables those commands (enablement isWorkspaceTrusted);
// this is the same rule in code, for every path that reaches a server, whoever calls it.
import * as vscode from 'vscode';
import { UserError } from '../core/errors';

export const RESTRICTED_MODE_MESSAGE = 'This workspace is in Restricted Mode: Pixtune sends no API key and uploads nothing until you trust it.';

export function isWorkspaceTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

/** Throws the one-sentence Restricted Mode refusal when the workspace is not trusted. */
export function requireTrustedWorkspace(): void {
  if (!vscode.workspace.isTrusted) throw new UserError(RESTRICTED_MODE_MESSAGE, 'Trust the workspace (Workspaces: Manage Workspace Trust) to use a server.');
}
