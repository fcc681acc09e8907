// A training on this machine that finishes while VS Code is closed is announced when it opens again: the first
// session shows the job running (and remembers that in the extension's global storage), VS Code quits, the job
// finishes, a second session on the same user data folder says it "finished while the window was closed", with
// Evaluate This Model and Open Details, naming the job by model and run folder, not by id. The job's trainer is
// a stand-in process the test holds (test/fixtures/standInLocalJob.ts), so it ends exactly while VS Code is closed;
// the real LocalTrainingBackend follows it in the extension. A third session does not announce it again.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWebviewFrame, waitForNotification, waitForTreeRows, withVSCode } from './harness';
import { preparedWorkspace } from './jobsUi';
import { notificationToast, showViewContainer, waitUntil } from './trainingUi';
import { toastCount } from './workbench';
import { startStandInLocalJob } from '../fixtures/standInLocalJob';

const JOBS = 'Fine-tuning Jobs';
const ENDED = /Training tiny-model on aid\/run1 finished while the window was closed: its adapter is ready to evaluate\./;

test('training on this machine: a job that finished while VS Code was closed is announced once when it opens', { timeout: 400_000 }, async () => {
  const { workspace, runDir } = await preparedWorkspace();
  const cache = join(workspace, '.cache-pixtune');
  const userDataDir = await mkdtemp(join(tmpdir(), 'pixtune-e2e-user-'));
  const memoryFile = join(userDataDir, 'User', 'globalStorage', 'pixtune.pixtune', 'training-status-seen.json');
  const job = await startStandInLocalJob({ runDir, indexFile: join(cache, 'local-jobs.json'), totalSteps: 4, baseModel: join(workspace, 'models', 'tiny-model') });
  const session = { workspace, userDataDir, env: { PIXTUNE_CACHE: cache } };
  try {
    await job.appendMetric(1);
    await withVSCode({ ...session, name: 'training-closed-1' }, async ({ page }) => {
      await showViewContainer(page, 'Pixtune');
      await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes(job.id) && /Running/.test(row.description)), 90_000);
      // Durable state, not a sleep: the extension has remembered the job as running before VS Code quits.
      await waitUntil(
        async () => ((await readFile(memoryFile, 'utf8').catch(() => '')).includes(`"local:this machine:${job.id}":{"status":"RUNNING"`) ? true : undefined),
        async () => `the job remembered as running in ${memoryFile}: ${await readFile(memoryFile, 'utf8').catch((e: Error) => e.message)}`,
        60_000,
      );
    });

    // VS Code is closed: the trainer finishes.
    await job.appendMetric(4);
    await job.writeStatus({ state: 'succeeded', step: 4, total_steps: 4, adapter_dir: join(job.jobDir, 'adapter'), updated_at: new Date().toISOString() });
    await job.stop();

    await withVSCode({ ...session, name: 'training-closed-2' }, async (vs) => {
      const { page } = vs;
      const text = await waitForNotification(page, ENDED, 90_000);
      assert.ok(!text.includes(job.id), `no job id in the toast: ${text}`);
      assert.match(text, /Evaluate This Model/);
      assert.match(text, /Open Details/);
      // Settled (not sliding in) before the screenshots: the trial click waits until the button is stable.
      const openDetails = notificationToast(page, ENDED).locator('.monaco-button', { hasText: /^\s*Open Details\s*$/ });
      await openDetails.click({ trial: true, timeout: 30_000 });
      await vs.screenshot('training-closed-01-announced-light');
      await vs.setTheme('dark');
      await openDetails.click({ trial: true, timeout: 30_000 });
      await vs.screenshot('training-closed-02-announced-dark');
      await vs.setTheme('light');
      // The toast's action opens the job it names.
      await notificationToast(page, ENDED).hover();
      await openDetails.click();
      const panel = await findWebviewFrame(page, 'Training curves', 60_000);
      await panel.waitForFunction(() => /Succeeded/.test(document.body.innerText), undefined, { timeout: 60_000 });
      await showViewContainer(page, 'Pixtune');
      await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes(job.id) && /Succeeded/.test(row.description)), 60_000);
      assert.equal(await toastCount(page, ENDED), 1);
    });

    await withVSCode({ ...session, name: 'training-closed-3' }, async ({ page }) => {
      await showViewContainer(page, 'Pixtune');
      await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes(job.id) && /Succeeded/.test(row.description)), 90_000);
      // The rows come from the poll that would announce it: after them, a toast would already be recorded.
      assert.equal(await toastCount(page, /while the window was closed/), 0);
    });
  } finally {
    await job.stop();
    await rm(userDataDir, { recursive: true, force: true });
    await rm(workspace, { recursive: true, force: true });
  }
});
