// What the "Generate Training Data" and "Validate JSONL File" e2e tests need beyond the shared harness: the
// workspace they open (a small dataset with one corrupt JPEG, a larger one worth cancelling), the workbench's
// modal dialog, quick-input steps, the Problems panel, notification buttons, and the CLI run on written files.
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { generateDataset } from '../fixtures/generateDataset';
import { REPO_ROOT, clickContextMenu, quickInput, runCommand, viewPane, waitForNotification } from './harness';
import { corruptJpeg } from './datasetWorkspace';

const DEFAULT_TIMEOUT = 30_000;

export const SMALL_DATASET = 'aerial';
export const SMALL_CLASSES = ['airport', 'beach', 'forest'];
export const SMALL_PER_CLASS = 10;
/** Added to the forest class: 11 files there, of which 10 decode. */
export const CORRUPT_IMAGE = 'forest/forest_corrupt.jpg';
export const LARGE_DATASET = 'aerial-large';

/** `<workspace>/aerial`: 3 classes × 10 JPEGs of 64 px, plus one corrupt JPEG in forest. Returns its path. */
export async function writeSmallDataset(workspace: string): Promise<string> {
  const root = join(workspace, SMALL_DATASET);
  await mkdir(root, { recursive: true });
  await generateDataset(root, { classes: SMALL_CLASSES, perClass: SMALL_PER_CLASS, size: 64, format: 'jpeg', seed: 11 });
  await writeFile(join(root, CORRUPT_IMAGE), corruptJpeg());
  return root;
}

/**
 * `<parent>/aerial-large`: 200 JPEGs of 600 px (4 classes × 50), big enough that writing the run takes a few
 * seconds on the extension host, so that a user (and the test) can press Cancel while it runs.
 */
export async function writeLargeDataset(parent: string): Promise<string> {
  const root = join(parent, LARGE_DATASET);
  await mkdir(root, { recursive: true });
  await generateDataset(root, { classes: ['bridge', 'river', 'stadium', 'playground'], perClass: 50, size: 600, format: 'jpeg', seed: 23, concurrency: 2 });
  return root;
}

/** Polls `check` until it returns a value other than undefined; `describe` says what was awaited (for the error). */
export async function waitUntil<T>(check: () => Promise<T | undefined>, describe: () => string | Promise<string>,
  timeoutMs = DEFAULT_TIMEOUT, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${await describe()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The workbench's modal dialog (showInformationMessage with modal: true) once it is visible. */
export async function waitForDialog(page: Page, timeoutMs = 120_000): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
  return (await dialog.innerText()).trim();
}

/** The labels of the open dialog's buttons, left to right. */
export async function dialogButtons(page: Page): Promise<string[]> {
  return (await page.locator('.monaco-dialog-box .dialog-buttons .monaco-button').allInnerTexts()).map((t) => t.trim());
}

/** Clicks a button of the open modal dialog and waits until the dialog has gone. */
export async function clickDialogButton(page: Page, button: string): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.locator('.monaco-button', { hasText: new RegExp(`^\\s*${button.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) })
    .first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
}

/**
 * Waits until the quick input's title matches — the multi-step flows reuse one widget, so without this a value
 * typed right after a pick could land in the previous step's filter box.
 */
export async function waitForQuickInputTitle(page: Page, title: RegExp, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
  await quickInput(page).locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: timeoutMs });
}

/** The current value of the open input box. */
export async function inputBoxValue(page: Page): Promise<string> {
  return quickInput(page).locator('.quick-input-box input').inputValue();
}

/**
 * Shows a view container (e.g. "Explorer") from the activity bar, clicking again when a click was swallowed: right
 * after a command reveals another container, the first click on an activity-bar item is sometimes lost.
 */
export async function showViewContainer(page: Page, title: string, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
  const heading = page.locator('.part.sidebar .composite.title').filter({ hasText: new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') }).first();
  const item = page.locator(`.part.activitybar a.action-label[aria-label^="${title}"]`).first();
  const deadline = Date.now() + timeoutMs;
  while (!(await heading.isVisible().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`the ${title} view container did not show`);
    await item.click();
    await heading.waitFor({ state: 'visible', timeout: 3000 }).catch(() => undefined);
  }
  // The activity bar's hover ("Explorer (Ctrl+Shift+E)") would cover the first rows of the view and take their clicks.
  await page.mouse.move(700, 450);
  await page.locator('.context-view .hover-contents').waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
}

/** Right-clicks a row of a tree view (by its exact label or a pattern) to open its context menu. */
export async function rightClickTreeRow(page: Page, viewTitle: string, label: string | RegExp): Promise<void> {
  const pattern = typeof label === 'string' ? new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) : label;
  const row = viewPane(page, viewTitle).locator('.pane-body .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: pattern }),
  }).first();
  await row.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  await row.click({ button: 'right' });
}

/**
 * Opens a context menu (`open`), clicks `entry`, and checks with `started` that the command really began; tries
 * again when it did not. A context menu closes without running anything when the view under it re-renders (a file
 * event, a tree refresh) at the moment of the click — the user would simply click again.
 */
export async function runFromContextMenu(page: Page, open: () => Promise<void>, entry: RegExp,
  started: (timeoutMs: number) => Promise<boolean>, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await open();
    await clickContextMenu(page, entry);
    if (await started(attempt < attempts ? 8000 : DEFAULT_TIMEOUT)) return;
    if (attempt >= attempts) throw new Error(`the context menu entry ${String(entry)} did not start its command (${attempts} attempts)`);
    await page.keyboard.press('Escape');
  }
}

/** Whether something matching `locator`-style check becomes visible within the time; for `runFromContextMenu`. */
export function becomesVisible(locator: ReturnType<Page['locator']>): (timeoutMs: number) => Promise<boolean> {
  return (timeoutMs) => locator.first().waitFor({ state: 'visible', timeout: timeoutMs }).then(() => true, () => false);
}

/** A notification toast whose text matches (a locator, so callers can wait for it to appear or go). */
export function notificationToast(page: Page, message: RegExp) {
  return page.locator('.notifications-toasts .notification-toast').filter({ hasText: message }).first();
}

/** Clicks a button (e.g. "Cancel" of a progress notification) on the toast whose text matches. */
export async function clickNotificationButton(page: Page, message: RegExp, button: string, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
  const toast = notificationToast(page, message);
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  // Toast buttons only show while the toast is hovered or focused in some layouts; hovering first is what a user does.
  await toast.hover();
  await toast.locator('.monaco-button', { hasText: new RegExp(`^\\s*${button}\\s*$`) }).first().click({ timeout: 5000 });
}

export interface ProblemRow {
  text: string;
  ariaLabel: string;
}

/** The rows of the Problems panel (resource rows and marker rows), waiting until the panel is shown. */
export async function problemsRows(page: Page): Promise<ProblemRow[]> {
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  return panel.locator('.monaco-list-row').evaluateAll((rows) => rows
    .map((row) => ({ top: row.getBoundingClientRect().top, text: (row as HTMLElement).innerText.replace(/\s+/g, ' ').trim(), ariaLabel: row.getAttribute('aria-label') ?? '' }))
    .sort((a, b) => a.top - b.top)
    .map(({ text, ariaLabel }) => ({ text, ariaLabel })));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js …` (the built CLI) and resolves with its exit code and output, never rejecting on exit ≠ 0. */
export function runCli(args: string[], cwd = REPO_ROOT): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolvePromise({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** Every file under `dir` (relative paths), hidden ones included — to prove that nothing half-written was left. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string): Promise<void> => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true }).catch(() => [])) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else out.push(rel);
    }
  };
  await walk('');
  return out.sort();
}

/**
 * A notification, from the page's record or else from the notification centre. The workbench shows at most three
 * toasts per 800 ms (NotificationsToasts' rate limit): a fourth notification in that time gets no toast at all and
 * exists only in the centre, whose list is rendered (and recorded) once it is open.
 */
export async function waitForNotificationOrCentre(page: Page, message: RegExp, timeoutMs = 30_000): Promise<string> {
  const shown = await waitForNotification(page, message, timeoutMs / 2).catch(() => undefined);
  if (shown !== undefined) return shown;
  await runCommand(page, 'Notifications: Show Notifications');
  try {
    return await waitForNotification(page, message, timeoutMs / 2);
  } finally {
    await runCommand(page, 'Notifications: Hide Notifications').catch(() => undefined);
  }
}

/** The quick input's Back button (QuickInputButtons.Back, in the title bar's left action bar). */
export async function clickBack(page: Page): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-left-action-bar a.action-label').first().click();
}

/** The description of a quick-pick row, by its label. */
export async function quickPickDescription(page: Page, label: string): Promise<string> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  return (await row.locator('.label-description').innerText().catch(() => '')).trim();
}
