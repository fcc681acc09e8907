// The Datasets tree follows the disk (added, removed and renamed images, without a manual refresh),
// opens images in VS Code's image preview, and remembers the dataset across a window reload.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFile, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editorTabs, expandRow, openView, quickPickSelect, runCommand, treeRow, viewPane, waitForTreeRows, withVSCode, type TreeRow } from './harness';
import { DATASET_FOLDER, prepareDatasetWorkspace } from './datasetWorkspace';

const DATASETS = 'Datasets';
const classDescription = (rows: TreeRow[], name: string) => rows.find((r) => r.label === name)?.description ?? '';

test('datasets: live refresh on file changes, image preview, and persistence across a reload', { timeout: 240_000 }, async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-live-'));
  try {
    const fixture = await prepareDatasetWorkspace(workspace);
    const beach = join(fixture.datasetRoot, 'beach');
    await withVSCode({ workspace, name: 'datasets-live' }, async (vs) => {
      const { page } = vs;
      await runCommand(page, 'Pixtune: Add as Dataset');
      await quickPickSelect(page, new RegExp(`^\\s*${DATASET_FOLDER}\\b`));
      await waitForTreeRows(page, DATASETS, (r) => /^6 images/.test(classDescription(r, 'beach')));

      // Added: the watcher rescans (debounced) and the count grows without a refresh.
      await copyFile(join(beach, 'beach_001.jpg'), join(beach, 'beach_new.jpg'));
      await waitForTreeRows(page, DATASETS, (r) => /^7 images/.test(classDescription(r, 'beach')), 20_000);
      // Renamed: still 7, under the new name.
      await rename(join(beach, 'beach_new.jpg'), join(beach, 'beach_renamed.jpg'));
      await expandRow(page, DATASETS, 'beach');
      await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === 'beach_renamed.jpg') && !r.some((row) => row.label === 'beach_new.jpg'), 20_000);
      // Removed: back to 6.
      await unlink(join(beach, 'beach_renamed.jpg'));
      await unlink(join(beach, 'beach_002.jpg'));
      await waitForTreeRows(page, DATASETS, (r) => /^5 images/.test(classDescription(r, 'beach')), 20_000);

      // Clicking an image opens it in VS Code's image preview.
      await treeRow(page, DATASETS, 'beach_003.jpg').click();
      await page.waitForFunction(() => [...document.querySelectorAll('.tabs-container .tab')].some((t) => t.textContent?.includes('beach_003.jpg')), null, { timeout: 20_000 });
      assert.ok((await editorTabs(page)).some((t) => t.includes('beach_003.jpg')));
      await vs.screenshot('datasets-06-live-light');

      // A reload of the window keeps the dataset (workspace state) and rescans it.
      await page.reload();
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 90_000 });
      // The workbench restores the Pixtune container by itself; clicking its icon while it restores would
      // toggle the side bar closed, so only open it if it did not come back.
      const restored = await viewPane(page, DATASETS).waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false);
      if (!restored) await openView(page, 'Pixtune');
      const rows = await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === DATASET_FOLDER && /^\d+ images$/.test(row.description)), 60_000);
      assert.equal(rows.filter((r) => r.level === 1).length, 1, 'the dataset is listed once after the reload');
      const total = fixture.totalImages - 1;
      assert.ok(rows.some((r) => r.label === DATASET_FOLDER && r.description === `${total} images`), rows.map((r) => `${r.label} ${r.description}`).join(' | '));
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});
