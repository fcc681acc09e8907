// Train Model… with a Hugging Face id this machine cannot fetch: the capacity check asks the trainer on this machine
// (`env --json --model`), which cannot reach the hub (HF_ENDPOINT at a closed local port, an empty HF cache, so the
// same everywhere) — the dialog says so with the way out before anything starts, and Cancel starts nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { quickPickSelect, runCommand, withVSCode } from './harness';
import { answerDialog, preparedWorkspace, typeInto } from './jobsUi';
import { projectPython } from '../trainer-ts/fixtures';

const ID = 'pixtune-test/not-on-this-machine';

test('Train Model… refuses a hub id this machine cannot fetch, with the way out, before anything starts', { timeout: 300_000 }, async () => {
  const { workspace } = await preparedWorkspace();
  const cache = join(workspace, '.cache-pixtune');
  try {
    const python = await projectPython();
    const env = { PIXTUNE_CACHE: cache, PIXTUNE_TRAINER_PYTHON: python, HF_ENDPOINT: 'http://127.0.0.1:9', HF_HOME: join(workspace, '.hf') };
    await withVSCode({ workspace, name: 'training-model-source', settings: { 'pixtune.datasets': ['aid'] }, env }, async (vs) => {
      const { page } = vs;
      // The dialog is modal (the palette cannot change the theme under it): once per theme, Cancel each time.
      for (const theme of ['light', 'dark'] as const) {
        await vs.setTheme(theme);
        await runCommand(page, 'Pixtune: Train Model…');
        await quickPickSelect(page, /run1/);
        await quickPickSelect(page, /This machine/);
        if (theme === 'light') {
          await quickPickSelect(page, /Another Hugging Face model id/);
          await typeInto(page, /Hugging Face model id/, ID);
        } else await quickPickSelect(page, new RegExp(ID)); // offered first as "used last time"
        await typeInto(page, /epochs/, '1');
        await typeInto(page, /learning rate/, '1e-3');
        await page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout: 180_000 });
        await vs.screenshot(`training-source-0${theme === 'light' ? 1 : 2}-unreachable-${theme}`);
        const text = await answerDialog(page, 'Cancel');
        assert.match(text, /The base model cannot be loaded on this machine\./);
        assert.match(text, /http:\/\/127\.0\.0\.1:9 cannot be reached/);
        assert.match(text, /hf download pixtune-test\/not-on-this-machine --local-dir <folder>/);
        assert.match(text, /Start Anyway/);
      }
    });
    // Cancelled: no training was started (the local jobs index holds none).
    const index = await readFile(join(cache, 'local-jobs.json'), 'utf8').catch(() => '[]');
    assert.doesNotMatch(index, /not-on-this-machine/);
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});
