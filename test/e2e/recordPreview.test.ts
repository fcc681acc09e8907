// The training record preview, as a user meets it: a dataset listed from the workspace's `pixtune.datasets`
// setting (no manual Add), a run written by the CLI, and its train.jsonl clicked in the Datasets tree — which
// shows one record as image, prompt and answer (not base64), pages to the next one, keeps a class named like
// HTML as text, and opens the raw lines with "Open as Text". Screenshots in light and dark:
// test-output/screenshots/record-preview-*.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { editorTabs, expandRow, findWebviewFrame, openView, treeRow, waitForTreeRows, withVSCode } from './harness';
import { DATASET_FOLDER, HOSTILE_CLASS, prepareDatasetWorkspace } from './datasetWorkspace';
import { runCli, waitUntil } from './trainingUi';

const DATASETS = 'Datasets';
const RUN_LABEL = '70/10/20 · 32×32 · JPEG 90';

/** What the record page shows, read from its DOM. */
async function pageState(frame: Frame) {
  return frame.evaluate(() => ({
    text: document.body.innerText,
    roles: [...document.querySelectorAll('section.message h2')].map((h) => (h.textContent ?? '').trim()),
    images: [...document.querySelectorAll('img.tile')].map((i) => ({ src: (i as HTMLImageElement).src.slice(0, 30), width: (i as HTMLImageElement).naturalWidth })),
    line: (document.querySelector('.line-box') as HTMLInputElement | null)?.value ?? '',
    injected: document.querySelectorAll('img[src="x"]').length,
  }));
}

test('record preview: a run\'s train.jsonl opens as image, prompt and answer, pages, and opens as text', { timeout: 300_000 }, async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-records-'));
  try {
    const fixture = await prepareDatasetWorkspace(workspace);
    // The dataset is named by the workspace setting, as `npm run sample` does it.
    await mkdir(join(workspace, '.vscode'));
    await writeFile(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'pixtune.datasets': [DATASET_FOLDER] }));
    const runDir = join(workspace, '.pixtune', DATASET_FOLDER, 'run-a');
    await mkdir(join(workspace, '.pixtune', DATASET_FOLDER), { recursive: true });
    const cli = await runCli(['prepare', fixture.datasetRoot, '--out', runDir, '--train', '0.7', '--val', '0.1', '--test', '0.2', '--template', 'reference']);
    assert.equal(cli.code, 0, `pixtune prepare: ${cli.stdout}${cli.stderr}`);
    const firstLine = JSON.parse((await readFile(join(runDir, 'train.jsonl'), 'utf8')).split('\n')[0]!) as { messages: { role: string; content: unknown }[] };
    const firstAnswer = JSON.parse(String(firstLine.messages[2]!.content).replace(/^```json\n|\n```$/g, '')) as { label: string };

    await withVSCode({ workspace, name: 'record-preview', theme: 'light' }, async (vs) => {
      const { page } = vs;
      const dialogs: string[] = [];
      page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });

      // Listed without Add as Dataset: the setting named it.
      await openView(page, 'Pixtune');
      await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === DATASET_FOLDER && row.description === `${fixture.totalImages} images`), 60_000);
      await expandRow(page, DATASETS, DATASET_FOLDER);
      await expandRow(page, DATASETS, 'Training data');
      // The run is labelled by what it is, not by its folder name.
      await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === RUN_LABEL));
      await expandRow(page, DATASETS, RUN_LABEL);
      await treeRow(page, DATASETS, 'train.jsonl').click();

      const frame = await findWebviewFrame(page, /fine-tuning example/, 60_000);
      let state = await waitUntil(async () => {
        const s = await pageState(frame);
        return s.images.length === 1 && s.images[0]!.width > 0 ? s : undefined;
      }, async () => `the first record's image to load: ${JSON.stringify(await pageState(frame))}`);
      assert.deepEqual(state.roles, ['system', 'user', 'assistant']);
      assert.equal(state.images[0]!.width, 32, 'the tile as written (half of 64 px)');
      assert.match(state.images[0]!.src, /^data:image\/jpeg;base64,/);
      assert.equal(state.line, '1');
      assert.match(state.text, new RegExp(`Label:\\s*${firstAnswer.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.ok(!/[A-Za-z0-9+/]{200}/.test(state.text), 'no base64 on screen');
      // The system prompt lists the class named like an HTML tag: shown as text, never as markup.
      assert.ok(state.text.includes(HOSTILE_CLASS), 'the hostile class name is shown literally');
      assert.equal(state.injected, 0, 'no <img src=x> was created from a class name');
      assert.match(state.text, /from .+\/.+\.jpg \(class /, 'the dataset image the record was made from');
      await page.mouse.move(0, 0);
      await vs.screenshot('record-preview-01-light');

      // Next record.
      await frame.locator('vscode-button', { hasText: 'Next' }).click();
      state = await waitUntil(async () => { const s = await pageState(frame); return s.line === '2' ? s : undefined; },
        async () => `record 2, got ${JSON.stringify(await pageState(frame))}`);
      assert.equal(state.images.length, 1);

      await vs.setTheme('dark');
      const darkFrame = await findWebviewFrame(page, /fine-tuning example/, 30_000);
      await waitUntil(async () => ((await pageState(darkFrame)).images[0]?.width ?? 0) > 0 || undefined, () => 'the image after the theme change');
      await vs.screenshot('record-preview-02-dark');

      // The raw lines, one click away.
      await darkFrame.locator('vscode-button', { hasText: 'Open as Text' }).click();
      await page.locator('.monaco-editor .view-lines', { hasText: '{"messages"' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      assert.ok((await editorTabs(page)).some((t) => t.includes('train.jsonl')));
      await vs.screenshot('record-preview-03-raw-dark');
      assert.deepEqual(dialogs, [], 'no browser dialog (alert) was opened');
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});
