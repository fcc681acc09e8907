// Evaluation in code-server, driven as a user would: a generated dataset with four forest tiles filed under
// "beach", a run prepared by the real CLI, the sandbox as the server and a fine-tuned model made on it (CLI). Through
// the UI: Evaluate Model on the base model (run node's context menu) and on the fine-tuned one (palette), the review
// opens; a confusion cell filters the grid to exactly its tiles; Compare With… shows the fixed and broken tiles;
// a suspected label error is moved to its class (the file moves, the Datasets tree follows) and moved back with
// Undo; Browse Images shows a class's gallery; the review comes back after a window reload. Light and dark
// screenshots of every section. Expected figures come from the predictions files, read by core.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Frame, Page } from 'playwright-core';
import {
  REPO_ROOT, editorTabs, expandRow, findWebviewFrame, quickPickSelect, runCommand, treeRow, waitForNotification, waitForTreeRows, withVSCode,
  type TreeRow, type VSCodeSession,
} from './harness';
import { filesUnder, rightClickTreeRow, runFromContextMenu, waitForQuickInputTitle, waitUntil } from './trainingUi';
import { sandboxKeyAndDataset, typeInto } from './jobsUi';
import { generateDataset } from '../fixtures/generateDataset';
import { startSandbox } from '../../src/core/sandbox/server';
import { modelSlug, readPredictions } from '../../src/core/evaluation/predictionsFile';
import { compareEvaluations } from '../../src/core/evaluation/compare';
import { suspectedLabelErrors } from '../../src/core/evaluation/labelErrors';
import { listEvaluations } from '../../src/core/evaluation/listEvaluations';
import { loadManifest } from '../../src/core/evaluation/runContext';

const execFileAsync = promisify(execFile);
const DATASETS = 'Datasets';
const JOBS = 'Fine-tuning Jobs';
const CLASSES = ['beach', 'forest', 'river', 'airport'];
const BASE = 'pixtral-12b-latest';

async function workspaceWithRun(): Promise<{ workspace: string; dataset: string; runDir: string }> {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-eval-'));
  try {
    const dataset = join(workspace, 'aid');
    await generateDataset(dataset, { classes: CLASSES, perClass: 12, size: 64, format: 'jpeg', seed: 5 });
    // Mislabelled on purpose: forest tiles filed under beach (the split puts two of them in the test set).
    for (const n of ['forest_009.jpg', 'forest_010.jpg', 'forest_011.jpg', 'forest_012.jpg']) await rename(join(dataset, 'forest', n), join(dataset, 'beach', n));
    const runDir = join(workspace, '.pixtune', 'aid', 'run1');
    await mkdir(join(workspace, '.pixtune', 'aid'), { recursive: true });
    await execFileAsync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'prepare', dataset, '--out', runDir, '--test', '0.4', '--scale', '1'], { cwd: workspace });
    return { workspace, dataset, runDir };
  } catch (err) {
    await rm(workspace, { recursive: true, force: true });
    throw err;
  }
}

/** The review frame whose title (a line of its own) matches. */
function reviewFrame(page: Page, title: RegExp): Promise<Frame> {
  return findWebviewFrame(page, new RegExp(`^${title.source}$[\\s\\S]*Tiles`, 'm'), 120_000);
}

async function shownTilePaths(frame: Frame): Promise<string[]> {
  return (await frame.locator('.grid-canvas .tile').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''))).sort();
}

async function clickTab(frame: Frame, name: string): Promise<void> {
  await frame.locator('.tabs .tab', { hasText: name }).click();
  await frame.locator(`.tab[aria-selected="true"]`, { hasText: name }).waitFor({ state: 'visible' });
}

async function evaluateThroughUi(page: Page, model: string | RegExp): Promise<void> {
  await quickPickSelect(page, /Sandbox/);
  await waitForQuickInputTitle(page, /which model/, 60_000);
  await quickPickSelect(page, model);
  await quickPickSelect(page, /^Live$/);
  await quickPickSelect(page, /^Free answer$/);
}

/** The sandbox key through Set API Key, the dataset through Add as Dataset; returns the run's row in the tree. */
async function keyAndDataset(page: Page): Promise<TreeRow> {
  await sandboxKeyAndDataset(page);
  // The run is the row under "Training data" (labelled by what it is: split, size, format, template).
  const runUnder = (rows: TreeRow[]) => {
    const i = rows.findIndex((row) => row.label === 'Training data');
    return i >= 0 && rows[i + 1] && rows[i + 1]!.level === rows[i]!.level + 1 ? rows[i + 1] : undefined;
  };
  return runUnder(await waitForTreeRows(page, DATASETS, (r) => runUnder(r) !== undefined))!;
}

async function screenshots(vs: VSCodeSession, frame: Frame, theme: string): Promise<void> {
  for (const [tab, name] of [['Tiles', 'tiles'], ['Matrix & classes', 'matrix'], ['Compare', 'compare'], ['Suspected label errors', 'label-errors']] as const) {
    await clickTab(frame, tab);
    await frame.waitForFunction(() => document.body.dataset.renderedMs !== undefined);
    if (tab === 'Tiles') await frame.locator('.tile img').first().waitFor({ state: 'visible', timeout: 30_000 });
    await vs.screenshot(`evaluation-${name}-${theme}`);
  }
}

test('evaluation: base and fine-tuned sandbox models through the UI, confusion cell → grid, compare, move a label error and undo', { timeout: 600_000 }, async () => {
  const { workspace, dataset, runDir } = await workspaceWithRun();
  const sandbox = await startSandbox({ port: 0, apiKey: 'sandbox', speed: 3 });
  try {
    // A fine-tuned model on the sandbox, made by the CLI (launching jobs through the UI is the jobs test's part).
    const created = await execFileAsync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'jobs', 'create', '--train', join(runDir, 'train.jsonl'), '--model', BASE, '--wait', '--json', '--server-url', sandbox.url],
      { env: { ...process.env, MISTRAL_API_KEY: 'sandbox' }, maxBuffer: 16 * 1024 * 1024 });
    const fineTuned = (JSON.parse(created.stdout) as { fine_tuned_model: string }).fine_tuned_model;
    assert.match(fineTuned, /^ft:/);

    await withVSCode({ workspace, name: 'evaluation', settings: { 'pixtune.serverUrl': sandbox.url } }, async (vs) => {
      const { page } = vs;
      const runRow = await keyAndDataset(page);

      // 1. The base model, from the run's context menu.
      await runFromContextMenu(page, () => rightClickTreeRow(page, DATASETS, runRow.label), /^(Pixtune: )?Evaluate Model$/,
        (ms) => waitForQuickInputTitle(page, /where is the model/, ms).then(() => true, () => false));
      await evaluateThroughUi(page, new RegExp(`^${BASE}$`));
      await waitForNotification(page, new RegExp(`${BASE}: accuracy [\\d.]+%, macro F1 [\\d.]+`), 180_000);
      await reviewFrame(page, new RegExp(BASE));

      // 2. The fine-tuned model, from its finished job in the Fine-tuning Jobs view: no server or model to pick.
      await runFromContextMenu(page, () => rightClickTreeRow(page, JOBS, new RegExp(`^${fineTuned.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)), /^(Pixtune: )?Evaluate Model$/,
        (ms) => waitForQuickInputTitle(page, /how to ask/, ms).then(() => true, () => false));
      await quickPickSelect(page, /^Live$/);
      await quickPickSelect(page, /^Constrain the label/);
      await waitForNotification(page, /^ft:.*: accuracy [\d.]+%/, 180_000);
      await reviewFrame(page, /ft:.*/);
      const files = await listEvaluations(runDir);
      assert.equal(files.length, 2, `evaluations: ${files.map((f) => f.file).join(', ')}`);
      const baseFile = files.find((f) => f.model === BASE)!.file;
      const ftFile = files.find((f) => f.model === fineTuned)!.file;
      // The Datasets tree lists both under the run.
      await expandRow(page, DATASETS, runRow.label);
      await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === BASE) && r.some((row) => row.label === fineTuned));

      // 3. Back to the base review (from the tree): a confusion cell shows exactly its tiles.
      await treeRow(page, DATASETS, new RegExp(`^${BASE}$`)).click();
      const base = await reviewFrame(page, new RegExp(BASE));
      // The review lists tiles in dataset order (custom_id), whatever order the answers arrived in.
      const records = (await readPredictions(baseFile)).records.sort((a, b) => Number(a.custom_id) - Number(b.custom_id));
      const counts = new Map<string, number>();
      for (const r of records) if (r.valid && r.predicted && r.predicted !== r.truth) counts.set(`${r.truth}\0${r.predicted}`, (counts.get(`${r.truth}\0${r.predicted}`) ?? 0) + 1);
      const [cell] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
      const [truth, predicted] = cell.split('\0') as [string, string];
      const expected = records.filter((r) => r.valid && r.truth === truth && r.predicted === predicted).map((r) => r.path).sort();
      await clickTab(base, 'Matrix & classes');
      await base.locator(`button.cell[data-truth="${truth}"][data-predicted="${predicted}"]`).click();
      await base.locator('.tab[aria-selected="true"]', { hasText: 'Tiles' }).waitFor();
      await base.waitForFunction((n) => document.querySelector('.filter-summary')?.textContent?.startsWith(`Showing ${n} of`), expected.length);
      assert.deepEqual(await shownTilePaths(base), expected, `cell ${truth} → ${predicted}`);
      // Escape clears the filter: every tile again.
      await base.locator('.grid-scroll').focus();
      await base.locator('.grid-scroll').press('Escape');
      await base.waitForFunction((n) => document.querySelector('.filter-summary')?.textContent?.startsWith(`Showing ${n} of ${n} images`), records.length);

      // Keyboard: Home, then → selects the second tile, Enter opens its details (image, the model's raw answer), Escape closes.
      const grid = base.locator('.grid-scroll');
      await grid.press('Home');
      await grid.press('ArrowRight');
      await base.locator('#tile-1.active').waitFor();
      await grid.press('Enter');
      const detail = base.locator('aside.detail');
      await detail.locator('pre.raw').first().waitFor();
      const second = records[1]!;
      assert.equal((await detail.locator('h2').innerText()).trim(), second.path.split('/').pop());
      const squash = (t: string) => t.replace(/\s+/g, ' ').trim();
      assert.ok(squash(await detail.innerText()).includes(squash(second.raw).slice(0, 60)), 'the detail pane shows the raw answer');
      await base.waitForFunction(() => ((document.querySelector('aside.detail img.large') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
      await vs.screenshot('evaluation-detail-light');
      await base.locator('body').press('Escape');
      await detail.waitFor({ state: 'detached' });

      // 4. Compare With… the fine-tuned model: its fixed and broken tiles, as core computes them.
      await base.locator('button', { hasText: 'Compare With' }).click();
      await quickPickSelect(page, fineTuned);
      let compared = await findWebviewFrame(page, /Suspected label errors/, 60_000);
      const ftRecords = (await readPredictions(ftFile)).records;
      const comparison = compareEvaluations(records, ftRecords, (await loadManifest(runDir)).classes);
      await clickTab(compared, 'Compare');
      const compareText = await compared.locator('#panel-compare').innerText();
      assert.match(compareText, new RegExp(`${comparison.fixed.length} fixed by the second model`));
      assert.match(compareText, new RegExp(`${comparison.broken.length} broken by the second model`));
      assert.ok(comparison.b.accuracy > comparison.a.accuracy, 'the fine-tuned model beats the base model on this data');

      // Export: one self-contained HTML file (wrong tiles as embedded thumbnails) and Markdown, in the run's reports/.
      const reportBase = join(runDir, 'reports', `${modelSlug(BASE)}-vs-${modelSlug(fineTuned)}`);
      await compared.locator('button', { hasText: 'Export HTML' }).click();
      const html = await waitUntil(async () => (existsSync(`${reportBase}.html`) ? readFile(`${reportBase}.html`, 'utf8') : undefined), () => `${reportBase}.html`);
      assert.match(html, /<img src="data:image\/jpeg;base64,/);
      assert.ok(!/<script/i.test(html), 'the exported HTML has no script');
      await compared.locator('button', { hasText: 'Export Markdown' }).click();
      await waitUntil(async () => ((await editorTabs(page)).some((t) => t.endsWith('.md')) ? true : undefined), async () => `a Markdown tab (tabs: ${(await editorTabs(page)).join(' | ')})`);
      assert.match(await readFile(`${reportBase}.md`, 'utf8'), /accuracy/i);
      // The Markdown opened in front of the review: back to the review's tab (its page is made afresh, state kept).
      await page.locator('.tabs-container .tab', { hasText: `Review: ${BASE} vs` }).click();
      compared = await findWebviewFrame(page, /Suspected label errors/, 60_000);

      // 5. Suspected label errors: move one to the class both models agree on, then Undo.
      const errors = suspectedLabelErrors(records, ftRecords);
      const suspect = errors.find((e) => e.path === 'beach/forest_011.jpg') ?? errors[0];
      assert.ok(suspect, 'both models agree against the folder on at least one mislabelled tile');
      await clickTab(compared, 'Suspected label errors');
      const name = suspect.path.split('/').pop()!;
      const row = compared.locator('table.label-errors tr', { hasText: name });
      await row.locator('button', { hasText: `Move to class ${suspect.agreed}` }).click();
      const from = join(dataset, ...suspect.path.split('/'));
      const to = join(dataset, suspect.agreed, name);
      await waitUntil(async () => (existsSync(to) && !existsSync(from) ? true : undefined), () => `${name} moved to ${suspect.agreed}`);
      await waitForNotification(page, new RegExp(`Moved ${name.replace('.', '\\.')} to class ${suspect.agreed}`));
      const countOf = (rows: { label: string; description: string }[], cls: string) => Number(/^(\d+) image/.exec(rows.find((r) => r.label === cls)?.description ?? '')?.[1]);
      const before = 8; // 12 generated forest tiles minus the 4 filed under beach
      await waitForTreeRows(page, DATASETS, (r) => countOf(r, 'forest') === before + 1, 60_000);
      await vs.screenshot('evaluation-moved-light');
      await row.locator('button', { hasText: `Undo move to ${suspect.agreed}` }).click();
      await waitUntil(async () => (existsSync(from) && !existsSync(to) ? true : undefined), () => `${name} moved back`);
      await waitForTreeRows(page, DATASETS, (r) => countOf(r, 'forest') === before, 60_000);

      // 6. Screenshots of every section, light and dark.
      await screenshots(vs, compared, 'light');
      await vs.setTheme('dark');
      await screenshots(vs, compared, 'dark');
      await runCommand(page, 'Preferences: Color Theme');
      await quickPickSelect(page, /^\s*Dark High Contrast/);
      await page.waitForFunction(() => document.querySelector('.monaco-workbench')?.classList.contains('hc-black'), undefined, { timeout: 15_000 });
      await page.keyboard.press('Escape');
      await screenshots(vs, compared, 'high-contrast');

      // 7. The review comes back after a window reload, with its comparison.
      await runCommand(page, 'Developer: Reload Window');
      await page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 90_000 });
      const restored = await findWebviewFrame(page, /Suspected label errors/, 90_000);
      await restored.waitForFunction(() => document.body.dataset.renderedMs !== undefined);

      // 8. Browse Images on a class: the gallery shows exactly that class's images.
      await expandRow(page, DATASETS, 'aid').catch(() => undefined);
      await runFromContextMenu(page, () => rightClickTreeRow(page, DATASETS, 'river'), /^(Pixtune: )?Browse Images$/,
        (ms) => findWebviewFrame(page, /^aid \/ river$/m, ms).then(() => true, () => false));
      const gallery = await findWebviewFrame(page, /^aid \/ river$/m);
      await gallery.waitForFunction(() => document.querySelectorAll('.grid-canvas .tile').length === 12);
      assert.ok((await shownTilePaths(gallery)).every((p) => p.startsWith('river/')));
      await gallery.locator('.tile img').first().waitFor({ state: 'visible', timeout: 30_000 });
      await vs.screenshot('evaluation-gallery-dark');
      // A tile's details: Open shows the image itself in an editor.
      await gallery.locator('.tile[data-index="2"]').click();
      await gallery.locator('aside.detail', { hasText: 'river_003.jpg' }).locator('button', { hasText: 'Open' }).click();
      await waitUntil(async () => ((await editorTabs(page)).includes('river_003.jpg') ? true : undefined), async () => `an editor for river_003.jpg (tabs: ${(await editorTabs(page)).join(' | ')})`);
    });
  } finally {
    await sandbox.close();
    await rm(workspace, { recursive: true, force: true });
  }
});

test('evaluation: progress with rate and ETA, Cancel keeps the answers so far, running again asks only the rest', { timeout: 300_000 }, async () => {
  const { workspace, runDir } = await workspaceWithRun();
  // Slow answers, one at a time: the run lasts long enough to watch and cancel.
  const sandbox = await startSandbox({ port: 0, apiKey: 'sandbox', speed: 3, faults: 'delay:/v1/chat/completions:*:400' });
  const file = join(runDir, 'predictions', `${modelSlug(BASE)}.jsonl`);
  try {
    await withVSCode({ workspace, name: 'evaluation-cancel', settings: { 'pixtune.serverUrl': sandbox.url, 'pixtune.evaluation.concurrency': 1 } }, async (vs) => {
      const { page } = vs;
      await keyAndDataset(page);
      await runCommand(page, 'Pixtune: Evaluate Model');
      await evaluateThroughUi(page, new RegExp(`^${BASE}$`));
      const toast = page.locator('.notification-toast', { hasText: `Evaluating ${BASE}` });
      await toast.filter({ hasText: /([3-9]|1\d)\/19 images · \d+\/s · \d+ s left/ }).waitFor({ timeout: 60_000 });
      await vs.screenshot('evaluation-progress-light');
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await waitForNotification(page, new RegExp(`Evaluation of ${BASE} stopped`), 60_000);
      const partial = await readPredictions(file);
      assert.ok(partial.records.length >= 3 && partial.records.length < 19, `${partial.records.length} answers kept`);

      // Again: only the images not answered yet are asked; the file ends with one line per image.
      await runCommand(page, 'Pixtune: Evaluate Model');
      await evaluateThroughUi(page, new RegExp(`^${BASE}$`));
      await waitForNotification(page, new RegExp(`${BASE}: accuracy [\\d.]+%.*19 of 19 images answered`), 120_000);
      const done = await readPredictions(file);
      assert.equal(done.records.length, 19);
      assert.equal(done.lines, 19, 'no duplicate lines');
      const stats = sandbox.stats();
      const asked = Object.entries(stats.models).filter(([route]) => route.includes('chat')).reduce((n, [, m]) => n + (m[BASE] ?? 0), 0);
      // At most the one request in flight at the cancel is asked again (its answer never arrived).
      assert.ok(asked >= 19 && asked <= 20, `chat requests answered for ${BASE}: ${asked} (${JSON.stringify(stats.models)})`);
      await reviewFrame(page, new RegExp(BASE));
    });
  } finally {
    await sandbox.close();
    await rm(workspace, { recursive: true, force: true });
  }
});

test('evaluation: a model on an OpenAI-compatible server, its key kept in secret storage only', { timeout: 300_000 }, async () => {
  const { workspace, runDir } = await workspaceWithRun();
  // A key no file or log could hold by chance: finding it anywhere but the secret store is a leak.
  const KEY = 'oai-e2e-Zt4QwP8xLm2Vn6Rk';
  const sandbox = await startSandbox({ port: 0, apiKey: KEY, speed: 3 });
  try {
    await withVSCode({ workspace, name: 'evaluation-openai', settings: {} }, async (vs) => {
      const { page } = vs;
      await runCommand(page, 'Pixtune: Add as Dataset');
      await quickPickSelect(page, /^\s*aid\b/);
      await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === 'Training data'));
      await runCommand(page, 'Pixtune: Evaluate Model');
      await quickPickSelect(page, /OpenAI-compatible server/);
      await typeInto(page, /base URL/, `${sandbox.url}/openai/v1`);
      await typeInto(page, /model name/, BASE);
      await quickPickSelect(page, /^Enter a key/);
      await typeInto(page, /API key of the server/, KEY);
      await quickPickSelect(page, /^Free answer$/);
      await waitForNotification(page, new RegExp(`${BASE}: accuracy [\\d.]+%.*19 of 19 images answered`), 120_000);
      await reviewFrame(page, new RegExp(BASE));
      const openAiAsked = Object.entries(sandbox.stats().models).filter(([route]) => route.includes('openai')).reduce((n, [, m]) => n + (m[BASE] ?? 0), 0);
      assert.equal(openAiAsked, 19, `requests on the OpenAI-compatible routes: ${JSON.stringify(sandbox.stats().models)}`);
      assert.equal((await readPredictions(join(runDir, 'predictions', `${modelSlug(BASE)}.jsonl`))).records.length, 19);
      // The key is in no log, setting or file the extension wrote (VS Code keeps secrets encrypted, apart).
      assert.ok(!(await vs.extensionHostLog()).includes(KEY), 'the key is in the extension host log');
      const leaks: string[] = [];
      for (const file of [...(await filesUnder(vs.userDataDir)).map((f) => join(vs.userDataDir, f)), ...(await filesUnder(workspace)).map((f) => join(workspace, f))]) {
        if ((await readFile(file).catch(() => Buffer.alloc(0))).includes(KEY)) leaks.push(file);
      }
      assert.deepEqual(leaks, [], 'files that contain the key');
    });
  } finally {
    await sandbox.close();
    await rm(workspace, { recursive: true, force: true });
  }
});

test('evaluation: batch mode through the Batch API of the sandbox', { timeout: 300_000 }, async () => {
  const { workspace, runDir } = await workspaceWithRun();
  const sandbox = await startSandbox({ port: 0, apiKey: 'sandbox', speed: 20 });
  try {
    await withVSCode({ workspace, name: 'evaluation-batch', settings: { 'pixtune.serverUrl': sandbox.url } }, async (vs) => {
      const { page } = vs;
      await keyAndDataset(page);
      await runCommand(page, 'Pixtune: Evaluate Model');
      await quickPickSelect(page, /Sandbox/);
      await waitForQuickInputTitle(page, /which model/, 60_000);
      await quickPickSelect(page, new RegExp(`^${BASE}$`));
      await quickPickSelect(page, /^Batch$/);
      await quickPickSelect(page, /^Free answer$/);
      await waitForNotification(page, new RegExp(`${BASE}: accuracy [\\d.]+%.*19 of 19 images answered`), 180_000);
      await reviewFrame(page, new RegExp(BASE));
      // Answered through one batch job, not one chat request per image.
      const routes = sandbox.stats().requests;
      const chats = Object.entries(routes).filter(([r]) => r.includes('/chat/completions')).reduce((n, [, c]) => n + c, 0);
      const batches = Object.entries(routes).filter(([r]) => r.startsWith('POST') && r.includes('/v1/batch/jobs')).reduce((n, [, c]) => n + c, 0);
      assert.equal(chats, 0, JSON.stringify(routes));
      assert.equal(batches, 1, JSON.stringify(routes));
      assert.equal((await readPredictions(join(runDir, 'predictions', `${modelSlug(BASE)}.jsonl`))).records.length, 19);
    });
  } finally {
    await sandbox.close();
    await rm(workspace, { recursive: true, force: true });
  }
});
