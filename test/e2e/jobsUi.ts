// UI steps shared by the jobs e2e tests: a workspace with a run prepared by the real CLI, typing into the
// launch flow's input boxes, and answering the workbench's modal dialog.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { REPO_ROOT, expandRow, inputBoxType, quickInput, quickPickSelect, runCommand, waitForNotification, waitForTreeRows } from './harness';
import { generateDataset } from '../fixtures/generateDataset';

const run = promisify(execFile);

export async function preparedWorkspace(): Promise<{ workspace: string; runDir: string }> {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-jobs-'));
  const dataset = join(workspace, 'aid');
  await generateDataset(dataset, { classes: ['beach', 'forest', 'river'], perClass: 8, size: 64, format: 'jpeg', seed: 5 });
  const out = join(workspace, '.pixtune', 'aid', 'run1');
  await run(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'prepare', dataset, '--out', out, '--val', '0.2', '--test', '0.2', '--scale', '1'], { cwd: workspace });
  return { workspace, runDir: out };
}

/**
 * Types into the input box titled `title`, once it is the one showing: input boxes open one after another, and
 * typing before the next has opened would land in the one that is closing.
 */
export async function typeInto(page: Page, title: RegExp, text: string): Promise<void> {
  await quickInput(page).locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 30_000 });
  await inputBoxType(page, text);
}

/** The modal dialog of the workbench (showInformationMessage with modal: true): its text, then a button click. */
export async function answerDialog(page: Page, button: string): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 120_000 });
  const text = (await dialog.innerText()).trim();
  await dialog.locator('.monaco-button', { hasText: new RegExp(`^${button}$`) }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  return text;
}

/** The sandbox's key through Set API Key, then the workspace's aid folder through Add as Dataset, its runs shown. */
export async function sandboxKeyAndDataset(page: Page): Promise<void> {
  await runCommand(page, 'Pixtune: Set API Key');
  await inputBoxType(page, 'sandbox');
  await waitForNotification(page, /Sandbox accepted the API key/, 30_000);
  await runCommand(page, 'Pixtune: Add as Dataset');
  await quickPickSelect(page, /^\s*aid\b/);
  await waitForTreeRows(page, 'Datasets', (r) => r.some((row) => row.label === 'Training data'));
  await expandRow(page, 'Datasets', 'Training data');
}
