// Fine-tuning jobs in code-server, driven as a user would: a run prepared by the real `prepare` CLI, the sandbox as
// the server, the key entered through Pixtune: Set API Key, a job launched from the palette (base model from the
// server's list, epochs, learning rate, suffix, validation), the service's cost confirmed in the modal, the job
// followed to SUCCESS in the Jobs tree, and its details webview with a loss chart (light and dark screenshots).
// A second test points the sandbox at "retired" mode and checks that the one unavailable message appears once.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT, findWebviewFrame, inputBoxType, openView, quickInput, quickPickLabels, quickPickSelect, runCommand, treeRow, viewPane,
  waitForNotification, waitForTreeRows, withVSCode,
} from './harness';
import { notificationLog, notificationRecordSettled, toastCount } from './workbench';
import { waitUntil } from './trainingUi';
import { answerDialog, preparedWorkspace, typeInto } from './jobsUi';
import { startSandbox } from '../../src/core/sandbox/server';

const JOBS = 'Fine-tuning Jobs';

test('jobs: launch against the sandbox, watch it succeed, details chart in light and dark', { timeout: 420_000 }, async () => {
  const { workspace, runDir } = await preparedWorkspace();
  // A key no file or log could contain by chance, so finding it anywhere is a leak.
  const KEY = 'sbx-e2e-Kq7ZrW2pXy9LmN4vT3';
  const sandbox = await startSandbox({ port: 0, apiKey: KEY, speed: 3 });
  try {
    await withVSCode({ workspace, name: 'jobs', settings: { 'pixtune.serverUrl': sandbox.url } }, async (vs) => {
      const { page } = vs;
      await openView(page, 'Pixtune');
      const jobsPane = viewPane(page, JOBS);
      await jobsPane.getByText('Set API Key', { exact: false }).first().waitFor({ state: 'visible' });

      // The key goes through the real input box; the sandbox accepts it and the view says it is the sandbox.
      await runCommand(page, 'Pixtune: Set API Key');
      await inputBoxType(page, KEY);
      await waitForNotification(page, /Sandbox accepted the API key/, 30_000);
      await jobsPane.getByText('No fine-tuning jobs on this server yet', { exact: false }).waitFor({ state: 'visible' });
      assert.match(await jobsPane.locator('.pane-header').innerText(), /Sandbox/);
      await vs.screenshot('jobs-01-empty-sandbox-light');

      // Launch from the palette: run folder, base model from the server's list (fine-tunable vision first), epochs…
      await runCommand(page, 'Pixtune: Launch Fine-Tuning');
      await quickPickSelect(page, 'aid/run1');
      const models = await quickPickLabels(page);
      assert.equal(models[0], 'pixtral-12b-latest', `models offered: ${models.join(', ')}`);
      await quickPickSelect(page, 'pixtral-12b-latest');
      // Training steps rather than epochs: the tiny dataset would fit in one step, and the chart needs a curve.
      await quickPickSelect(page, /^Training steps$/);
      await typeInto(page, /training steps/, '24');
      await typeInto(page, /learning rate/, '1e-4');
      await typeInto(page, /model suffix/, 'e2e');
      await quickPickSelect(page, 'Use the validation file');

      // Nothing runs before the confirmation, which shows the service's numbers next to ours.
      const confirm = await answerDialog(page, 'Start Job');
      assert.match(confirm, /Start fine-tuning pixtral-12b-latest on Sandbox/);
      assert.match(confirm, /Cost \(sandbox, not billed\): \d+\.\d+ USD/);
      assert.match(confirm, /Training tokens: [\d,]+/);
      assert.match(confirm, /Our estimate from the run's report: \d+\.\d+ USD/);

      // Open the details while the job is still moving: the page follows it live up to SUCCESS.
      const first = await waitForTreeRows(page, JOBS, (r) => r.length === 1, 60_000);
      const startedAs = first[0]!.description;
      await treeRow(page, JOBS, first[0]!.label).click();
      const frame = await findWebviewFrame(page, 'Training curves', 60_000);
      await frame.waitForFunction(() => /Succeeded/.test(document.body.innerText), undefined, { timeout: 240_000 });
      const body = await frame.evaluate(() => document.body.innerText);
      assert.match(body, /Sandbox/);
      assert.match(body, /Validation/);
      assert.match(body, /step 24 of 24 · train loss [\d.]+ · validation loss [\d.]+ · token accuracy [\d.]+%/);
      assert.match(body, /Queued[\s\S]*Running[\s\S]*Succeeded/, 'the timeline lists the statuses in order');
      await frame.locator('.chart canvas').first().waitFor({ state: 'attached', timeout: 30_000 });
      const size = await frame.evaluate(() => {
        const c = document.querySelector('.chart canvas') as HTMLCanvasElement | null;
        return c ? { w: c.width, h: c.height } : undefined;
      });
      assert.ok(size && size.w > 100 && size.h > 100, `chart canvas size ${JSON.stringify(size)}`);

      // The tree shows the fine-tuned model with a success icon, and a notification offers the next step.
      const rows = await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.startsWith('ft:') && /Succeeded/.test(row.description)), 60_000);
      const done = rows.find((row) => row.label.startsWith('ft:'))!;
      assert.ok(done.iconClasses.includes('codicon-pass-filled'), `icon: ${done.iconClasses.join(' ')} (started as: ${startedAs})`);
      assert.match(done.description, /step 24\/24 · loss [\d.]+/);
      await waitForNotification(page, /Fine-tuning finished \(Sandbox\): ft:/, 60_000);

      // The run folder remembers the job (survives a reload, visible to the CLI).
      const linkedStatuses = async () => {
        const link = JSON.parse(await readFile(join(runDir, 'job.json'), 'utf8')) as { jobs: { jobId: string; lastStatus: string }[] };
        return link.jobs.map((j) => j.lastStatus);
      };
      for (let i = 0; i < 40 && (await linkedStatuses()).join() !== 'SUCCESS'; i++) await page.waitForTimeout(250);
      assert.deepEqual(await linkedStatuses(), ['SUCCESS']);
      await vs.screenshot('jobs-02-details-light');
      await vs.setTheme('dark');
      await page.waitForTimeout(800);
      await vs.screenshot('jobs-03-details-dark');

      // The key stays secret: not in the logs, the settings, the workspace (run folder, job.json, upload
      // cache) or anything else the extension wrote under the user data folder.
      assert.ok(!(await vs.extensionHostLog()).includes(KEY), 'the API key is in the extension host log');
      const leaks: string[] = [];
      for (const dir of [vs.userDataDir, workspace]) {
        for (const file of await filesBelow(dir)) {
          const bytes = await readFile(file).catch(() => Buffer.alloc(0));
          if (bytes.includes(KEY)) leaks.push(file);
        }
      }
      assert.deepEqual(leaks, [], 'files that contain the API key');
    });
  } finally {
    await sandbox.close();
    await rm(workspace, { recursive: true, force: true });
  }
});

test('jobs: a retired fine-tuning service shows the one unavailable message once, and no fake jobs', { timeout: 240_000 }, async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-retired-'));
  try {
    await withVSCode({ workspace, name: 'jobs-retired', settings: { 'pixtune.sandbox.fineTuning': 'retired' } }, async (vs) => {
      const { page } = vs;
      await openView(page, 'Pixtune');
      await runCommand(page, 'Pixtune: Start Local Sandbox');
      const started = await waitForNotification(page, /local sandbox is running at http:\/\/127\.0\.0\.1:\d+/);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(started)![0];

      const message = /Mistral retired hosted fine-tuning in 2026/;
      await waitForNotification(page, message, 60_000);
      const jobsPane = viewPane(page, JOBS);
      await jobsPane.getByText('Fine-tuning is not available on this server', { exact: false }).waitFor({ state: 'visible' });

      // Refreshing and polling do not repeat the message or hammer the server. The extension logs each "unavailable"
      // answer it handles before deciding whether to show the message: wait for the refresh's line in the log (durable),
      // then for the page's notification record to have caught up, and count the toasts it recorded.
      const unavailableLines = async () => ((await vs.extensionHostLog()).match(/fine-tuning unavailable on /g) ?? []).length;
      const before = await unavailableLines();
      await runCommand(page, 'Pixtune: Refresh Jobs');
      await waitUntil(async () => ((await unavailableLines()) > before ? true : undefined),
        async () => `no new "fine-tuning unavailable" log line after Refresh Jobs (had ${before})`);
      await notificationRecordSettled(page);
      assert.equal(await toastCount(page, message), 1, `notifications: ${JSON.stringify(await notificationLog(page))}`);
      // The sandbox's stats need its key, which only the extension knows (random per start): every refused job call
      // is logged once, so the log counts them — the first poll and the one refresh, nothing polled on its own.
      const refused = await unavailableLines();
      assert.ok(refused >= 1 && refused <= 2, `job route calls refused as retired: ${refused} (sandbox ${url})`);
      assert.equal((await waitForTreeRows(page, JOBS, () => true)).length, 0, 'no job rows');
      await vs.screenshot('jobs-04-retired-light');
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesBelow(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}
