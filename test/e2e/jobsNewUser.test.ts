// The jobs loop as a new user meets it, on the extension's own local sandbox at its default speed (issue 10,
// items 2–6): the launch confirmation explains the minimum charge, the minimum step and an overfitting length;
// declining leaves no job and no toast; a started job is seen Running with a chart that grows, its expected
// duration right; a job without a validation file plots only training loss, and a one-step chart has a legend
// with values; the stop dialog cannot be mis-clicked; after a window reload (which restarts the sandbox empty)
// the jobs stay as history and the open details tab keeps its saved details under a calm notice; Stop Sandbox
// switches back to Mistral. Light and dark screenshots of the confirmation and the details panel.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import {
  findWebviewFrame, notificationLog, notificationRecordSettled, openView, quickPickSelect, runCommand, treeRow, viewPane, waitForNotification, waitForTreeRows,
  withVSCode, type VSCodeSession,
} from './harness';
import { preparedWorkspace, typeInto } from './jobsUi';
import { clickDialogButton, dialogButtons, waitForDialog, waitUntil } from './trainingUi';

const JOBS = 'Fine-tuning Jobs';

interface RecordedJob {
  jobId: string;
  lastStatus?: string;
  declinedAt?: number;
}

async function recordedJobs(runDir: string): Promise<RecordedJob[]> {
  try {
    return (JSON.parse(await readFile(join(runDir, 'job.json'), 'utf8')) as { jobs: RecordedJob[] }).jobs;
  } catch {
    return [];
  }
}

async function waitForFile<T>(page: Page, read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}: ${JSON.stringify(v)}`);
    await page.waitForTimeout(200);
  }
}

/** Launches from the palette on run aid/run1 up to the confirmation dialog, and returns its text. */
async function launchUntilConfirmation(page: Page, steps: number, suffix: string, validation: boolean): Promise<string> {
  await runCommand(page, 'Pixtune: Launch Fine-Tuning');
  await quickPickSelect(page, 'aid/run1');
  await quickPickSelect(page, 'pixtral-12b-latest');
  await quickPickSelect(page, /^Training steps$/);
  await typeInto(page, /training steps/, String(steps));
  await typeInto(page, /learning rate/, '1e-4');
  await typeInto(page, /model suffix/, suffix);
  await quickPickSelect(page, validation ? 'Use the validation file' : 'Train without validation');
  return waitForDialog(page);
}

const bodyText = (frame: Frame) => frame.evaluate(() => document.body.innerText);

async function waitForBody(frame: Frame, re: RegExp, timeoutMs: number): Promise<string> {
  await frame.waitForFunction(([s, f]) => new RegExp(s, f).test(document.body.innerText), [re.source, re.flags] as const, { timeout: timeoutMs, polling: 100 });
  return bodyText(frame);
}

async function screenshots(vs: VSCodeSession, name: string): Promise<void> {
  await vs.screenshot(`${name}-light`);
  await vs.setTheme('dark');
  await vs.screenshot(`${name}-dark`);
  await vs.setTheme('light');
}

test('jobs as a new user meets them: confirmation, decline, Running, charts, stop, history after reload, Stop Sandbox', { timeout: 600_000 }, async () => {
  const { workspace, runDir } = await preparedWorkspace();
  try {
    await withVSCode({ workspace, name: 'jobs-new-user' }, async (vs) => {
      const { page } = vs;
      await openView(page, 'Pixtune');
      await runCommand(page, 'Pixtune: Start Local Sandbox');
      await waitForNotification(page, /local sandbox is running at http:\/\/127\.0\.0\.1:\d+/);
      const jobsPane = viewPane(page, JOBS);
      await jobsPane.getByText('No fine-tuning jobs on this server yet', { exact: false }).waitFor({ state: 'visible', timeout: 60_000 });

      // 60 steps on a few dozen examples: the length is rounded and warned about. Declining leaves nothing.
      const long = await launchUntilConfirmation(page, 60, 'long', false);
      assert.match(long, /Length: 60 steps \(about \d+ epochs\)\./);
      assert.doesNotMatch(long, /\d+\.\d{3,} epochs/, 'epochs are rounded');
      assert.match(long, /Warning: 60 steps make about \d+ passes over \d+ examples: the model will memorise them \(overfit\)/);
      // The order of the buttons is the platform's; their names are ours.
      assert.deepEqual((await dialogButtons(page)).sort(), ["Don't Start", 'Start Job']);
      // A modal dialog blocks the theme picker: this one is shot in light, the next one in dark.
      await vs.screenshot('jobs-new-user-01-confirm-overfit-light');
      await clickDialogButton(page, "Don't Start");
      const declined = await waitForFile(page, () => recordedJobs(runDir), (j) => j.length === 1 && j[0]!.lastStatus === 'CANCELLED', 'the declined job cancelled on the server');
      assert.equal(typeof declined[0]!.declinedAt, 'number');
      await jobsPane.getByText('No fine-tuning jobs on this server yet', { exact: false }).waitFor({ state: 'visible' });
      // The record is read only after a durable sign the extension handled the cancelled job (its log line, written
      // after the watcher saw the CANCELLED status and decided whether to announce it) and after the page's
      // notification record has caught up: a toast it showed would be in the record by then.
      await waitUntil(async () => (/job \S+ declined at the confirmation and cancelled on /.test(await vs.extensionHostLog()) ? true : undefined),
        () => 'no "declined at the confirmation and cancelled" line in the extension host log');
      await notificationRecordSettled(page);
      assert.deepEqual((await notificationLog(page)).filter((n) => /cancel|ftjob|[0-9a-f]{8}-[0-9a-f]{4}/i.test(n.text)), [], 'no toast about the declined job');

      // One step without validation: the minimum charge and the minimum step are explained. Started, it is seen
      // Running, with the duration it was said to take.
      await vs.setTheme('dark');
      const one = await launchUntilConfirmation(page, 1, 'onestep', false);
      assert.match(one, /Cost \(sandbox, not billed\): 4\.00 USD — the service's minimum charge per job; the 131,072 training tokens alone come to about 0\.\d+ USD\./);
      assert.match(one, /Length: 1 step \(about [\d.]+ epochs?\)\. A step is the smallest unit the service trains: 131,072 tokens, more than one pass over this data/);
      assert.match(one, /Expected duration: 6 s/);
      await vs.screenshot('jobs-new-user-02-confirm-minimum-dark');
      await clickDialogButton(page, 'Start Job');
      const running = await waitForTreeRows(page, JOBS, (r) => r.some((row) => /Running/.test(row.description)), 30_000);
      await treeRow(page, JOBS, running.find((row) => /Running/.test(row.description))!.label).click();
      const details = await findWebviewFrame(page, 'Training curves', 30_000);
      await vs.setTheme('light');
      const done = await waitForBody(details, /Succeeded/, 60_000);
      assert.match(done, /Expected duration\s+6 s/);
      assert.match(done, /step 1 of 1 · train loss [\d.]+/);
      assert.doesNotMatch(done, /validation loss|token accuracy/i, 'nothing validated, nothing plotted');
      const legend = await details.locator('.u-legend').innerText();
      assert.match(legend, /Training loss:?\s*[\d.]+/, `legend: ${legend}`);
      assert.doesNotMatch(legend, /Validation/);
      assert.match(done, /The job reported one checkpoint: each metric is a single point\./);
      await screenshots(vs, 'jobs-new-user-03-details-one-step');

      // A longer job with validation: its chart grows while it runs; the stop dialog names both choices.
      await launchUntilConfirmation(page, 16, 'stopme', true);
      await clickDialogButton(page, 'Start Job');
      const rows = await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes('stopme') && /Running/.test(row.description)), 30_000);
      await treeRow(page, JOBS, rows.find((row) => row.label.includes('stopme'))!.label).click();
      const live = await findWebviewFrame(page, /stopme/, 30_000);
      await waitForBody(live, /step \d+ of 16 · train loss [\d.]+ · validation loss [\d.]+ · token accuracy/, 30_000);
      const firstStep = Number(/step (\d+) of 16/.exec(await bodyText(live))![1]);
      await live.waitForFunction((n) => Number(/step (\d+) of 16/.exec(document.body.innerText)?.[1] ?? 0) > n, firstStep, { timeout: 20_000 });
      await live.locator('vscode-button', { hasText: 'Stop Training' }).click();
      const ask = await waitForDialog(page);
      assert.match(ask, /Stop training pixtral-12b-latest · stopme/);
      assert.deepEqual((await dialogButtons(page)).sort(), ['Keep Training', 'Stop Training']);
      await clickDialogButton(page, 'Stop Training');
      const stopped = await waitForBody(live, /Cancelled/, 30_000);
      // The chart grew by updates, not rebuilds: its legend still names the last step and its values.
      const lastStep = /step (\d+) of 16/.exec(stopped)![1]!;
      await live.waitForFunction((n) => new RegExp(`Step:?\\s*${n}(?!\\d)`).test((document.querySelector('.u-legend') as HTMLElement | null)?.innerText ?? ''), lastStep, { timeout: 10_000 })
        .catch(async () => assert.fail(`legend after the stop: ${await live.locator('.u-legend').innerText()} (last step ${lastStep})`));
      await waitForNotification(page, /Fine-tuning of pixtral-12b-latest · stopme \(job [0-9a-f]{8}\) was stopped \(Sandbox\)\./, 30_000);

      // A window reload restarts the sandbox empty: the jobs stay as history; the open tab keeps its details calmly.
      // Listen before the command: the reload can be over before runCommand returns.
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
      await runCommand(page, 'Developer: Reload Window');
      await navigated;
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 90_000 });
      const restored = await findWebviewFrame(page, 'Training curves', 90_000);
      const calm = await waitForBody(restored, /local sandbox was restarted/, 90_000);
      assert.match(calm, /Shown here is what Pixtune recorded in aid\/run1\/job\.json\./);
      assert.match(calm, /validation loss/, 'the saved details (chart included) are still shown');
      assert.equal(await restored.locator('.failure').count(), 0, 'no red error');
      assert.equal(await restored.locator('vscode-button', { hasText: 'Stop Training' }).count(), 0);
      await openView(page, 'Pixtune');
      const history = await waitForTreeRows(page, JOBS, (r) => r.filter((row) => /^History · sandbox restarted/.test(row.description)).length === 2, 60_000);
      assert.ok(!history.some((row) => row.label.includes('long')), 'the declined job stays hidden');
      await screenshots(vs, 'jobs-new-user-04-history-after-reload');

      // Stop Sandbox: back to Mistral, which has no key here.
      await runCommand(page, 'Pixtune: Stop Sandbox (switch back to Mistral)');
      await waitForNotification(page, /The local sandbox was stopped\. Pixtune uses https:\/\/api\.mistral\.ai again/, 30_000);
      await jobsPane.getByText('Set API Key', { exact: false }).first().waitFor({ state: 'visible', timeout: 30_000 });
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});
