// The first hour, as a new user meets it, on the very workspace `npm run sample` makes (scripts/sample.ts): its
// setting lists the dataset without a manual Add and its README walks the whole loop; the walkthrough "Get started with Pixtune" shows the loop's five steps, runs a step's command from its button and
// ticks the step off; the health message counts the problems the tree counts; a problem row opens its image
// without leaving the Pixtune view; Remove Dataset asks first, takes the dataset out of the setting, and a re-add
// brings back the health results. Screenshots in light and dark: test-output/screenshots/walkthrough-*.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  REPO_ROOT, editorTabs, expandRow, findWebviewFrame, openView, quickPickSelect, runCommand, treeRow, viewPane, waitForNotification, waitForTreeRows, withVSCode, type TreeRow,
} from './harness';
import { clickDialogButton, dialogButtons, rightClickTreeRow, runFromContextMenu, waitForDialog, waitUntil } from './trainingUi';

const DATASETS = 'Datasets';
// What scripts/sample.ts generates: 8 classes × 30 tiles, plus a truncated JPEG (beach), a corrupt one (forest),
// an empty PNG (river) and a text file (airport).
const DATASET_FOLDER = 'aid-sample';
const IMAGE_FILES = 8 * 30 + 3;
const CORRUPT_FILE = 'forest_corrupt.jpg';

/** `npm run sample`'s workspace, made by its own script. */
function makeSample(dir: string): Promise<void> {
  return new Promise((resolve, reject) => execFile(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'sample.ts'), dir], { cwd: REPO_ROOT },
    (err, stdout, stderr) => (err ? reject(new Error(`scripts/sample.ts failed: ${stdout}${stderr}`)) : resolve())));
}
const STEPS = ['Look at a dataset', 'Check its health', 'Generate training data', 'Fine-tune in the sandbox', 'Evaluate and review'];
const row = (rows: TreeRow[], label: string) => rows.find((r) => r.label === label);

function walkthrough(page: Page) {
  return page.locator('.gettingStartedContainer');
}

/** Brings the walkthrough's editor tab to the front (the health report's preview opens over it). */
async function showWalkthrough(page: Page): Promise<void> {
  if (await walkthrough(page).isVisible()) return;
  await page.locator('.tabs-container .tab', { hasText: /Welcome|Walkthrough/ }).first().click();
  await walkthrough(page).waitFor({ state: 'visible', timeout: 15_000 });
}

/** Whether the walkthrough shows a step as done (its checkbox is ticked). */
function stepDone(page: Page, id: string) {
  return walkthrough(page).locator(`[data-done-step-id$="#${id}"][aria-checked="true"]`).first();
}

test('walkthrough: the loop\'s steps with their commands; counts, problem rows and Remove Dataset', { timeout: 300_000 }, async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-walkthrough-'));
  try {
    await makeSample(workspace);
    const settingsFile = join(workspace, '.vscode', 'settings.json');
    // The sample's guide walks the whole loop, each step with its command.
    const readme = await readFile(join(workspace, 'README.md'), 'utf8');
    for (const command of ['Check Dataset Health', 'Generate Training Data', 'Start Local Sandbox', 'Launch Fine-Tuning', 'Evaluate Model', 'Open Review']) {
      assert.ok(readme.includes(`**Pixtune: ${command}**`), `the sample's README names Pixtune: ${command}`);
    }

    await withVSCode({ workspace, name: 'walkthrough', theme: 'light' }, async (vs) => {
      const { page } = vs;

      await runCommand(page, 'Welcome: Open Walkthrough...');
      await quickPickSelect(page, 'Get started with Pixtune');
      await walkthrough(page).locator('.getting-started-step').first().waitFor({ state: 'visible', timeout: 30_000 });
      const titles = (await walkthrough(page).locator('.getting-started-step .step-title').allInnerTexts()).map((t) => t.trim());
      assert.deepEqual(titles, STEPS, `walkthrough steps: ${titles.join(' | ')}`);
      // Each step names its command on a button.
      await walkthrough(page).locator('.getting-started-step', { hasText: 'Check its health' }).click();
      const healthButton = walkthrough(page).locator('.monaco-button', { hasText: 'Check Dataset Health' }).first();
      await healthButton.waitFor({ state: 'visible', timeout: 15_000 });
      // The step's picture (an SVG drawn with theme colours, in the walkthrough's own webview).
      await findWebviewFrame(page, /Health check: aid-sample/, 30_000);
      await page.mouse.move(0, 0);
      await vs.screenshot('walkthrough-01-steps-light');

      // The sample's setting listed the dataset: no Add needed. The health button then runs on it directly.
      await openView(page, 'Pixtune');
      await waitForTreeRows(page, DATASETS, (r) => row(r, DATASET_FOLDER)?.description === `${IMAGE_FILES} images`, 60_000);
      await healthButton.click();
      const summary = await waitForNotification(page, /aid-sample: \d+ problems? — /, 120_000);
      // One source of truth: the message's count is the tree's (the user once read 3 here and 4 in the tree).
      const said = Number(/aid-sample: (\d+) problems?/.exec(summary)![1]);
      await expandRow(page, DATASETS, DATASET_FOLDER);
      const rows = await waitForTreeRows(page, DATASETS, (r) => !!row(r, 'Problems'));
      assert.equal(row(rows, 'Problems')!.description, String(said), `tree: Problems ${row(rows, 'Problems')!.description}; message: ${summary}`);
      assert.match(row(rows, DATASET_FOLDER)!.ariaLabel, new RegExp(`${said} problems?`), 'the dataset row announces the same count');
      assert.equal(said, 4, summary);
      // … and the usable images the dataset row shows; the text file is named, not counted as an image.
      assert.match(summary, new RegExp(`— ${IMAGE_FILES - 3} of ${IMAGE_FILES} images are usable, 3 cannot be used; 1 file is not an image\\.`));
      assert.equal(row(rows, DATASET_FOLDER)!.description, `${IMAGE_FILES - 3} images`);
      assert.match(row(rows, DATASET_FOLDER)!.ariaLabel, /8 classes/);
      // A class with a broken image counts its 30 usable ones, as the training report will (it once said 31 here).
      assert.match(row(rows, 'beach')!.description, /^30 images · \d+(\.\d)?% · 1 broken$/);
      await showWalkthrough(page);
      await stepDone(page, 'health').waitFor({ state: 'attached', timeout: 30_000 });

      await vs.setTheme('dark');
      await showWalkthrough(page);
      await walkthrough(page).locator('.getting-started-step', { hasText: 'Generate training data' }).click();
      await walkthrough(page).locator('.monaco-button', { hasText: 'Generate Training Data' }).first().waitFor({ state: 'visible', timeout: 15_000 });
      await findWebviewFrame(page, /One record per image/, 30_000);
      await page.mouse.move(0, 0);
      await vs.screenshot('walkthrough-02-steps-dark');

      // A problem row opens its image beside the tree; the side bar stays on Pixtune.
      await expandRow(page, DATASETS, 'Problems');
      await treeRow(page, DATASETS, new RegExp(CORRUPT_FILE.replace('.', '\\.'))).click();
      await waitUntil(async () => ((await editorTabs(page)).some((t) => t.includes(CORRUPT_FILE)) ? true : undefined), async () => `a tab for ${CORRUPT_FILE}: ${(await editorTabs(page)).join(', ')}`);
      assert.ok(await viewPane(page, DATASETS).isVisible(), 'the Datasets view is still showing');
      assert.ok(!(await page.locator('.part.sidebar .composite.title', { hasText: /^Explorer/i }).isVisible()), 'not switched to the Explorer');
      await vs.screenshot('walkthrough-03-problem-opened-dark');

      // Remove Dataset asks first; removing takes it out of the setting (it would come back at the next start otherwise).
      await runFromContextMenu(page, () => rightClickTreeRow(page, DATASETS, DATASET_FOLDER), /^(Pixtune: )?Remove Dataset$/,
        (ms) => page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout: ms }).then(() => true, () => false));
      const question = await waitForDialog(page);
      assert.match(question, /Remove aid-sample from the Datasets view\?/);
      assert.match(question, /stay on disk/);
      assert.deepEqual((await dialogButtons(page)).sort(), ['Cancel', 'Remove from Pixtune']);
      await vs.screenshot('walkthrough-04-remove-dark');
      await clickDialogButton(page, 'Remove from Pixtune');
      await viewPane(page, DATASETS).getByText('No datasets yet', { exact: false }).waitFor({ state: 'visible', timeout: 30_000 });
      const settings = await waitUntil(async () => {
        const s = JSON.parse(await readFile(settingsFile, 'utf8')) as Record<string, unknown>;
        return Array.isArray(s['pixtune.datasets']) && s['pixtune.datasets'].length === 0 ? s : undefined;
      }, async () => `pixtune.datasets emptied in ${settingsFile}: ${await readFile(settingsFile, 'utf8')}`);
      assert.deepEqual(settings['pixtune.datasets'], []);

      // Added again: the health results are still there, without checking again.
      await runCommand(page, 'Pixtune: Add as Dataset');
      await quickPickSelect(page, new RegExp(`^\\s*${DATASET_FOLDER}\\b`));
      const back = await waitForTreeRows(page, DATASETS, (r) => row(r, 'Problems')?.description === '4' && !!row(r, DATASET_FOLDER), 60_000);
      assert.ok(row(back, 'forest')!.description.endsWith('1 broken'), `forest: ${row(back, 'forest')!.description}`);

      // Its inline icons say what they do, and leave room for the whole description while the row is hovered.
      const datasetRow = treeRow(page, DATASETS, DATASET_FOLDER);
      await datasetRow.hover();
      const actions = datasetRow.locator('.actions a.action-label');
      await actions.first().waitFor({ state: 'visible', timeout: 10_000 });
      const tips = await actions.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.getAttribute('title') || ''));
      assert.deepEqual(tips, ['Check Dataset Health', 'Generate Training Data']);
      const cut = await datasetRow.locator('.monaco-icon-label-container').first().evaluate((el) => el.scrollWidth > el.clientWidth + 1);
      await vs.screenshot('walkthrough-05-dataset-row-dark');
      assert.equal(cut, false, `the dataset row's description is cut off: ${row(back, DATASET_FOLDER)!.description}`);
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});
