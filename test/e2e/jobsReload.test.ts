// A job launched from a run node of the Datasets tree keeps being watched across a window reload: after the
// reload the Jobs view polls it again, shows it reach SUCCESS, and the end is still announced. Its details
// panel, open at the reload, comes back by itself and follows the job to the end too.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  editorTabs, findWebviewFrame, quickPickSelect, runCommand, treeRow, viewPane, waitForNotification,
  waitForTreeRows, withVSCode,
} from './harness';
import { answerDialog, preparedWorkspace, sandboxKeyAndDataset, typeInto } from './jobsUi';
import { becomesVisible, rightClickTreeRow, runFromContextMenu, waitForQuickInputTitle } from './trainingUi';
import { startSandbox } from '../../src/core/sandbox/server';

const JOBS = 'Fine-tuning Jobs';
const DATASETS = 'Datasets';

test('jobs: launched from the Datasets tree, followed across a window reload to SUCCESS', { timeout: 300_000 }, async () => {
  const { workspace, runDir } = await preparedWorkspace();
  // Slow enough (about 27 s from creation to SUCCESS: 12 steps run 24 s at this speed) that the reload happens while the job runs.
  const sandbox = await startSandbox({ port: 0, apiKey: 'sandbox', speed: 0.75 });
  try {
    await withVSCode({ workspace, name: 'jobs-reload', settings: { 'pixtune.serverUrl': sandbox.url } }, async (vs) => {
      const { page } = vs;
      // The key, the dataset and its prepared run in the Datasets tree; the run's context menu launches the job.
      await sandboxKeyAndDataset(page);
      // The run is labelled by what it is (split · tile size · format), not by its folder name.
      const RUN = /^\s*\d+\/\d+\/\d+ · \d+×\d+ · /;
      await waitForTreeRows(page, DATASETS, (r) => r.some((row) => RUN.test(row.label)));
      await runFromContextMenu(page, () => rightClickTreeRow(page, DATASETS, RUN), /^(Pixtune: )?Launch Fine-Tuning$/,
        (ms) => waitForQuickInputTitle(page, /Launch Fine-Tuning \(2\/5\)/, ms).then(() => true, () => false));
      await quickPickSelect(page, 'pixtral-12b-latest');
      await quickPickSelect(page, /^Training steps$/);
      await typeInto(page, /training steps/, '12');
      await typeInto(page, /learning rate/, '1e-4');
      await typeInto(page, /model suffix/, 'reload');
      await quickPickSelect(page, 'Use the validation file');
      await answerDialog(page, 'Start Job');
      const running = await waitForTreeRows(page, JOBS, (r) => r.some((row) => /Running|Queued|Validat|Start/i.test(row.description)), 60_000);
      // Its details panel is open when the window reloads.
      await treeRow(page, JOBS, running.find((row) => /Running|Queued|Validat|Start/i.test(row.description))!.label).click();
      await findWebviewFrame(page, 'Training curves', 60_000);
      const tabBefore = (await editorTabs(page)).find((t) => t.startsWith('Job '));
      assert.ok(tabBefore, 'a job details tab before the reload');

      // Reload the window while the job runs, as a user does (the workbench saves its editors first).
      // Listen before the command: the reload can be over before runCommand returns.
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
      await runCommand(page, 'Developer: Reload Window');
      await navigated;
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 90_000 });
      // The details panel is restored without any click and follows the job to SUCCESS.
      const restoredPanel = await findWebviewFrame(page, 'Training curves', 90_000);
      assert.ok((await editorTabs(page)).includes(tabBefore), `tabs after the reload: ${(await editorTabs(page)).join(' | ')}`);
      await restoredPanel.waitForFunction(() => /Succeeded/.test(document.body.innerText) && document.querySelector('.chart canvas') !== null, undefined, { timeout: 180_000 });
      await vs.screenshot('jobs-06-details-restored-light');
      const restored = await becomesVisible(viewPane(page, JOBS))(15_000);
      if (!restored) await runCommand(page, 'Pixtune: Refresh Jobs');

      // Polling resumed by itself: the job reaches SUCCESS in the view and its end is announced.
      const rows = await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.startsWith('ft:') && /Succeeded/.test(row.description)), 120_000);
      assert.ok(rows.some((row) => row.label.includes(':reload:')), rows.map((r) => r.label).join(' | '));
      await waitForNotification(page, /Fine-tuning finished \(Sandbox\): ft:/, 60_000);
      const link = JSON.parse(await readFile(join(runDir, 'job.json'), 'utf8')) as { jobs: { lastStatus: string }[] };
      assert.deepEqual(link.jobs.map((j) => j.lastStatus), ['SUCCESS']);
      await vs.screenshot('jobs-05-after-reload-light');
    });
  } finally {
    await sandbox.close();
    await rm(workspace, { recursive: true, force: true });
  }
});
