// Train Model… on a Ray cluster, from the UI: a real local Ray head (the project environment's `ray`), the
// cluster's address in pixtune.ray.address, the palette command through its steps (run, Ray cluster, a model
// folder on the cluster, epochs, learning rate, workers, GPUs), the capacity check's dialog, then the job under
// "Ray cluster" in the Jobs view and its details panel drawing the loss until it succeeds.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findWebviewFrame, quickPickSelect, runCommand, waitForTreeRows, withVSCode } from './harness';
import { answerDialog, preparedWorkspace, typeInto } from './jobsUi';
import { showViewContainer } from './trainingUi';
import { RayJobsClient } from '../../src/core/jobs/backends/ray/rayJobsClient';
import { makeTinyModel, projectPython } from '../trainer-ts/fixtures';
import { startRayHead, type RayHead } from '../trainer-ts/rayHead';

const JOBS = 'Fine-tuning Jobs';

test('Train Model… on a local Ray head from the palette, followed to SUCCESS in the details panel', { timeout: 600_000 }, async () => {
  const { workspace } = await preparedWorkspace();
  let head: RayHead | undefined;
  try {
    const python = await projectPython();
    const [model, started] = await Promise.all([makeTinyModel(join(workspace, 'tiny-model')), startRayHead(python, { numCpus: 4 })]);
    head = started;
    const settings = { 'pixtune.datasets': ['aid'], 'pixtune.ray.address': head.address, 'pixtune.ray.storagePath': head.storagePath };
    await withVSCode({ workspace, name: 'training-ray', settings, env: { PIXTUNE_CACHE: join(workspace, '.cache-pixtune') } }, async (vs) => {
      const { page } = vs;
      await runCommand(page, 'Pixtune: Train Model…');
      await quickPickSelect(page, /run1/);
      await quickPickSelect(page, /Ray cluster/);
      await quickPickSelect(page, /A model folder/);
      await typeInto(page, /model folder on the cluster/, model);
      await typeInto(page, /epochs/, '1');
      await typeInto(page, /learning rate/, '1e-3');
      await typeInto(page, /workers/, '1');
      await typeInto(page, /GPUs per worker/, '0');
      const check = await answerDialog(page, 'Start Training');
      assert.match(check, /Train on the Ray cluster at http:\/\/127\.0\.0\.1:\d+\?/);
      assert.match(check, /trains on CPU \(it has no GPU\)/);

      const panel = await findWebviewFrame(page, 'Training curves', 120_000);
      await panel.waitForFunction(() => /Succeeded/.test(document.body.innerText) && document.querySelector('.chart canvas') !== null, undefined, { timeout: 300_000 });
      await vs.screenshot('training-ray-01-succeeded-light');
      await showViewContainer(page, 'Pixtune');
      const rows = await waitForTreeRows(page, JOBS, (r) => r.some((row) => /Succeeded/.test(row.description) && row.label.includes('pixtune-run1-')), 60_000);
      assert.ok(rows.some((r) => r.label === 'Ray cluster'), rows.map((r) => r.label).join(' | '));
      await vs.setTheme('dark');
      await vs.screenshot('training-ray-02-succeeded-dark');
    });
    // The job really ran on the cluster, with the trainer's events in its log.
    const jobs = await new RayJobsClient({ address: head.address }).list();
    const ours = jobs.filter((j) => j.metadata?.pixtune === '1');
    assert.equal(ours.length, 1);
    assert.equal(ours[0]!.status, 'SUCCEEDED');
  } finally {
    await head?.stop();
    await rm(workspace, { recursive: true, force: true });
  }
});
