// Training on this machine, in the real workbench: jobs run by the real trainer on a tiny model (one finished,
// one running) appear in the Fine-tuning Jobs view under "This machine" beside the Mistral group; the details
// panel draws the running job's live loss (light and dark); Stop Training stops it with a checkpoint and the
// row offers Resume; Evaluate This Model on the finished job runs the trainer's predict and opens the review.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findWebviewFrame, treeRow, waitForNotification, waitForTreeRows, withVSCode } from './harness';
import { answerDialog, preparedWorkspace } from './jobsUi';
import { rightClickTreeRow, runFromContextMenu, showViewContainer } from './trainingUi';
import { LocalTrainingBackend } from '../../src/core/jobs/backends/local/localBackend';
import { isTerminalTrainingStatus } from '../../src/core/jobs/backends/trainingBackend';
import { makeTinyModel, projectPython, TRAINER_ROOT, waitFor } from '../trainer-ts/fixtures';

const JOBS = 'Fine-tuning Jobs';

test('training on this machine: grouped rows, live details, stop and resume, evaluate the adapter', { timeout: 600_000 }, async () => {
  const { workspace, runDir } = await preparedWorkspace();
  const cache = join(workspace, '.cache-pixtune');
  const python = await projectPython();
  const backend = new LocalTrainingBackend({ python, trainerRoot: TRAINER_ROOT, indexFile: join(cache, 'local-jobs.json') });
  try {
    const model = await makeTinyModel(join(workspace, 'tiny-model'));
    const hp = { learning_rate: 1e-3, lora_rank: 4, workers: 1, gpus_per_worker: 0 };
    const finished = await backend.launch({ runDir, baseModel: model, hyperparameters: { ...hp, max_steps: 2 } });
    await waitFor(() => backend.get(finished.id), (v) => isTerminalTrainingStatus(v.status), 180_000, 'the first training');
    const running = await backend.launch({ runDir, baseModel: model, hyperparameters: { ...hp, max_steps: 400, checkpoint_every: 1 } });

    await withVSCode({ workspace, name: 'training-local', env: { PIXTUNE_CACHE: cache, PIXTUNE_TRAINER_PYTHON: python } }, async (vs) => {
      const { page } = vs;
      await showViewContainer(page, 'Pixtune');
      const rows = await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes(running.id) && /Running/.test(row.description)) && r.some((row) => row.label.includes(finished.id) && /Succeeded/.test(row.description)), 90_000);
      const labels = rows.map((r) => r.label);
      assert.ok(labels.includes('Mistral API') && labels.includes('This machine'), labels.join(' | '));
      await vs.screenshot('training-01-jobs-grouped-light');

      // The running job's details: the live loss curve from its metrics.jsonl.
      await treeRow(page, JOBS, new RegExp(running.id)).click();
      const panel = await findWebviewFrame(page, 'Training curves', 60_000);
      await panel.waitForFunction(() => /Running/.test(document.body.innerText) && document.querySelector('.chart canvas') !== null && /step \d+ of 400/.test(document.body.innerText), undefined, { timeout: 120_000 });
      await vs.screenshot('training-02-details-running-light');
      await vs.setTheme('dark');
      await vs.screenshot('training-03-details-running-dark');
      await vs.setTheme('light');

      // Stop from the row's context menu: the trainer checkpoints and stops; the row then offers Resume.
      const dialogShows = (ms: number) => page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout: ms }).then(() => true, () => false);
      await runFromContextMenu(page, () => rightClickTreeRow(page, JOBS, new RegExp(running.id)), /Stop Training/, dialogShows);
      await answerDialog(page, 'Stop Training');
      await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes(running.id) && /Stopped, resumable/.test(row.description)), 120_000);
      const stopped = await backend.get(running.id);
      assert.equal(stopped.status, 'CANCELLED');
      assert.equal(stopped.resumable, true);
      const resumed = (ms: number) => waitFor(() => backend.get(running.id), (v) => v.status !== 'CANCELLED', ms, 'the resume').then(() => true, () => false);
      await runFromContextMenu(page, () => rightClickTreeRow(page, JOBS, new RegExp(running.id)), /Resume Training/, resumed);
      await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes(running.id) && /Running|Started/.test(row.description)), 120_000);
      await backend.stop(running.id);

      // The finished job's details say how to serve its adapter with vLLM (the tokenizer the adapter carries).
      await treeRow(page, JOBS, new RegExp(finished.id)).click();
      const served = await findWebviewFrame(page, /Serve and evaluate/, 60_000);
      const text = await served.evaluate(() => document.body.innerText);
      const adapter = (await backend.get(finished.id)).adapter;
      assert.ok(adapter && text.includes(`vllm serve ${model} --tokenizer ${adapter} --tokenizer-mode mistral --enable-lora`), text);
      const commands = await served.locator('.command-line pre').allInnerTexts();
      assert.equal(commands.length, 2, commands.join(' | '));
      assert.match(commands[1]!, /^pixtune predict --run .* --provider openai --server-url http:\/\/127\.0\.0\.1:8000\/v1 --model tiny-model\+local-run1-/);
      await vs.screenshot('training-05-details-serve-light');
      await vs.setTheme('dark');
      await vs.screenshot('training-06-details-serve-dark');
      await vs.setTheme('light');

      // Evaluate the finished job's adapter: the trainer's predict, imported by Evaluate Model, then the review.
      const predicting = (ms: number) => waitForNotification(page, /Predicting the test split/, ms).then(() => true, () => false);
      await runFromContextMenu(page, () => rightClickTreeRow(page, JOBS, new RegExp(finished.id)), /Evaluate This Model/, predicting);
      await waitForNotification(page, /Imported \d+ predictions of tiny-model\+local-run1-/, 240_000);
      await findWebviewFrame(page, /Accuracy/i, 60_000);
      await vs.screenshot('training-04-evaluated-light');
      // The job stopped while it was starting again is "stopped" too, never a failure.
      await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes(running.id) && /Stopped/.test(row.description)), 60_000);
    });
  } finally {
    for (const v of await backend.list().catch(() => [])) if (!isTerminalTrainingStatus(v.status)) await backend.stop(v.id).catch(() => undefined);
    await waitFor(async () => (await backend.list().catch(() => [])).every((v) => isTerminalTrainingStatus(v.status)), () => true, 60_000, 'trainers to stop').catch(() => undefined);
    await rm(workspace, { recursive: true, force: true });
  }
});
