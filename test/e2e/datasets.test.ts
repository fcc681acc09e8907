// The packaged extension in code-server, seen and driven as a user would: the Pixtune container, a dataset added
// from the Explorer's context menu with its classes and counts, a hostile folder name shown as literal text, and
// the health check marking the corrupt JPEG. Screenshots (light and dark) go to test-output/screenshots/.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clickContextMenu, contextMenuLabels, expandRow, findWebviewFrame, openView, quickPickLabels, quickPickSelect,
  rightClickExplorerItem, rowTooltip,
  runCommand, treeRow, viewPane, waitForNotification, waitForTreeRows, withVSCode, type TreeRow,
} from './harness';
import { CORRUPT_IMAGE, DATASET_FOLDER, HOSTILE_CLASS, prepareDatasetWorkspace } from './datasetWorkspace';

const DATASETS = 'Datasets';

function rowLabelled(rows: TreeRow[], label: string): TreeRow | undefined {
  return rows.find((r) => r.label === label);
}

test('datasets: container, classes with counts, hostile names as text, health decorations', { timeout: 240_000 }, async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-ws-'));
  try {
    const fixture = await prepareDatasetWorkspace(workspace);
    const classNames = Object.keys(fixture.classCounts);
    await withVSCode({ workspace, name: 'datasets' }, async (vs) => {
      const { page } = vs;
      const dialogs: string[] = [];
      page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });

      // The activity bar has the Pixtune container with its two views; Datasets starts empty with a welcome.
      await openView(page, 'Pixtune');
      await viewPane(page, DATASETS).waitFor({ state: 'visible' });
      await viewPane(page, 'Fine-tuning Jobs').waitFor({ state: 'visible' });
      await viewPane(page, DATASETS).getByText('No datasets yet', { exact: false }).waitFor({ state: 'visible' });
      await vs.screenshot('datasets-01-empty-light');

      // Explorer → right-click the dataset folder → Pixtune's entry.
      await rightClickExplorerItem(page, DATASET_FOLDER);
      const menu = await contextMenuLabels(page);
      assert.ok(menu.some((l) => /Add as Dataset/.test(l)), `Explorer context menu: ${menu.join(' | ')}`);
      await clickContextMenu(page, /^(Pixtune: )?Add as Dataset$/);

      // The command opens the Pixtune container and reveals the dataset, expanded to its classes.
      const expectedSummary = `${fixture.totalImages} images`;
      let rows = await waitForTreeRows(page, DATASETS, (r) =>
        r.some((row) => row.label === DATASET_FOLDER && row.description.startsWith(expectedSummary)) &&
        classNames.every((c) => rowLabelled(r, c)));
      const datasetRow = rowLabelled(rows, DATASET_FOLDER)!;
      assert.equal(datasetRow.level, 1);
      assert.equal(datasetRow.expanded, true);
      for (const [name, count] of Object.entries(fixture.classCounts)) {
        const row = rowLabelled(rows, name)!;
        assert.equal(row.level, 2, `class ${name} is a child of the dataset`);
        const share = Math.round((count / fixture.totalImages) * 100);
        assert.match(row.description, new RegExp(`^${count} images · ${share}%`), `class ${name}: ${row.description}`);
      }

      // The hostile folder name is a label, not markup: the literal text is shown and no <img> was created.
      const hostile = rowLabelled(rows, HOSTILE_CLASS);
      assert.ok(hostile, 'the class named like an HTML tag is listed under its literal name');
      assert.equal(await page.locator('.part.sidebar img[src="x"]').count(), 0);
      await treeRow(page, DATASETS, HOSTILE_CLASS).waitFor({ state: 'visible' });
      await vs.screenshot('datasets-02-classes-light');

      // Health check from the palette: progress notification, a Markdown report, and the corrupt image marked.
      await runCommand(page, 'Pixtune: Check Dataset Health');
      const summary = await waitForNotification(page, /problem|decode cleanly/, 60_000);
      assert.match(summary, /1 problem — \d+ of \d+ images are usable, 1 cannot be used/, `health check summary: ${summary}`);
      const report = await findWebviewFrame(page, 'forest_corrupt.jpg', 30_000);
      assert.match(await report.evaluate(() => document.body.innerText), /corrupt|truncated/i);

      const [corruptClass, corruptFile] = CORRUPT_IMAGE.split('/');
      await expandRow(page, DATASETS, corruptClass);
      rows = await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === corruptFile && row.description !== ''));
      const corrupt = rowLabelled(rows, corruptFile)!;
      assert.match(corrupt.description, /^(corrupt|truncated)$/);
      assert.ok(corrupt.iconClasses.includes('codicon-error'), `icon classes: ${corrupt.iconClasses.join(' ')}`);
      assert.match(corrupt.ariaLabel, /corrupt|truncated/);
      const healthy = rows.find((r) => r.level === 3 && r.label !== corruptFile)!;
      assert.ok(healthy.iconClasses.includes('codicon-file-media'), `healthy image icon: ${healthy.iconClasses.join(' ')}`);
      assert.match(rowLabelled(rows, corruptClass)!.description, /1 broken/);
      const tooltip = await rowTooltip(page, DATASETS, corruptFile);
      assert.match(tooltip, new RegExp(CORRUPT_IMAGE.replace('.', '\\.')));
      await vs.screenshot('datasets-03-health-light');

      await vs.setTheme('dark');
      await vs.screenshot('datasets-04-health-dark');
      assert.deepEqual(dialogs, [], 'no dialog (alert) was opened by any view');
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});

test('datasets: "Add as Dataset" from the palette offers the workspace\'s dataset folders and Browse…', { timeout: 180_000 }, async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-ws-'));
  try {
    const fixture = await prepareDatasetWorkspace(workspace);
    await withVSCode({ workspace, name: 'datasets-palette', theme: 'dark' }, async (vs) => {
      const { page } = vs;
      await runCommand(page, 'Pixtune: Add as Dataset');
      const labels = await quickPickLabels(page);
      assert.ok(labels.includes(DATASET_FOLDER), `quick pick: ${labels.join(' | ')}`);
      assert.ok(labels.some((l) => /Browse…$/.test(l)), `quick pick: ${labels.join(' | ')}`);
      // Class folders are not offered as datasets of their own.
      assert.ok(!labels.includes('forest'), `quick pick: ${labels.join(' | ')}`);
      await vs.screenshot('datasets-05-palette-pick-dark');
      await quickPickSelect(page, new RegExp(`^\\s*${DATASET_FOLDER}\\b`));
      const rows = await waitForTreeRows(page, DATASETS, (r) =>
        r.some((row) => row.label === DATASET_FOLDER && row.description === `${fixture.totalImages} images`));
      assert.equal(rows.filter((r) => r.level === 1).length, 1);
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});
