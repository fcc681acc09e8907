// Where Pixtune writes its outputs for a dataset: `.pixtune/<dataset name>/` in the workspace folder that
// holds the dataset (or the first workspace folder), so users find runs and reports next to their work.
import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { safeFolderName } from '../core/fsutil/safeFolderName';

let fallbackRoot: string | undefined;
let scratchRoot: string | undefined;

/** Set once at activation: used when no folder is open (outputs then go to the extension's storage). */
export function setFallbackStorage(dir: string): void {
  fallbackRoot = dir;
}

/** Set once at activation: the extension's own storage for this workspace, where scratch files go. */
export function setScratchStorage(dir: string): void {
  scratchRoot = dir;
}

/**
 * Scratch space (encoded tiles waiting for the user's go-ahead): on disk, in the extension's storage,
 * never in the user's workspace — nothing appears there before the user has agreed to a run.
 */
export async function scratchFolder(): Promise<string> {
  const base = scratchRoot ?? fallbackRoot;
  if (!base) throw new Error('No extension storage is available for Pixtune scratch files.');
  const dir = join(base, 'scratch');
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function pixtuneFolderFor(datasetRoot: string, opts: { create?: boolean } = { create: true }): Promise<string> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(datasetRoot)) ?? vscode.workspace.workspaceFolders?.[0];
  const base = folder ? join(folder.uri.fsPath, '.pixtune') : fallbackRoot;
  if (!base) throw new Error('No workspace folder or extension storage is available for Pixtune outputs.');
  const dir = join(base, safeFolderName(basename(datasetRoot) || 'dataset'));
  if (opts.create) await mkdir(dir, { recursive: true });
  return dir;
}
