// "Generate Training Data" and "Validate JSONL File" in code-server, driven as a user would: a dataset added from
// the Explorer, the five-step guided flow, the cost confirmation, the run written under .pixtune/ and checked line
// by line (and by the CLI), the report in the Markdown preview and the run in the Datasets tree; then broken and
// valid JSONL files validated from the Explorer (Problems panel, notifications); then a generation on a larger
// dataset declined at the cost dialog and cancelled from its progress notification, leaving nothing half written. One VS Code session for all.
// Screenshots (light and dark) go to test-output/screenshots/training-*.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { manifestSchema, type Manifest } from '../../src/core/training/manifest';
import {
  clickContextMenu, contextMenuLabels, dismissQuickInput, expandRow, findWebviewFrame, quickPickLabels, quickPickSelect, rightClickExplorerItem, rowTooltip, runCommand,
  notificationLog, waitForNotification, waitForTreeRows, withVSCode, type TreeRow,
} from './harness';
import {
  CORRUPT_IMAGE, LARGE_DATASET, SMALL_CLASSES, SMALL_DATASET, SMALL_PER_CLASS, clickBack, clickDialogButton, quickPickDescription, waitForNotificationOrCentre,
  becomesVisible, clickNotificationButton, dialogButtons, filesUnder, inputBoxValue, notificationToast, problemsRows,
  rightClickTreeRow, runCli, runFromContextMenu, showViewContainer, waitForDialog, waitForQuickInputTitle, waitUntil, writeLargeDataset, writeSmallDataset,
} from './trainingUi';

const DATASETS = 'Datasets';
const SPLIT = { train: 0.7, validation: 0.1, test: 0.2 } as const;
const RUN_NAME = /^\d{4}-\d{2}-\d{2}_\d{6}_s42$/;
/** How the tree labels that run: what it is, not its folder's time stamp (the time is its description). */
const RUN_LABEL = '70/10/20 · 32×32 · JPEG 90 · compact';

interface Answers { split: string; size: string; format: string; template: RegExp }

/** The five steps of the guided flow, each awaited by its title so that no answer lands in the wrong step. */
async function answerGuidedFlow(page: Page, a: Answers): Promise<void> {
  await waitForQuickInputTitle(page, /Generate Training Data \(1\/5\): Split/);
  await quickPickSelect(page, a.split);
  await waitForQuickInputTitle(page, /\(2\/5\): Image size/);
  await quickPickSelect(page, a.size);
  await waitForQuickInputTitle(page, /\(3\/5\): Image format/);
  await quickPickSelect(page, a.format);
  await waitForQuickInputTitle(page, /\(4\/5\): Prompt template/);
  await quickPickSelect(page, a.template);
  await waitForQuickInputTitle(page, /\(5\/5\): random seed/);
  assert.equal(await inputBoxValue(page), '42', 'the seed input box proposes 42');
  await page.keyboard.press('Enter');
}

async function rightClickInExplorer(page: Page, path: string): Promise<void> {
  await showViewContainer(page, 'Explorer');
  await rightClickExplorerItem(page, path);
}

const VALIDATE = /^(Pixtune: )?Validate JSONL File$/;
const GENERATE = /^(Pixtune: )?Generate Training Data$/;

/** Validate JSONL File from the Explorer's context menu on `name`, until its progress or result shows. */
async function validateFromExplorer(page: Page, name: string): Promise<void> {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Started once its progress or its result has been shown (read from the page's notification record: on a slow
  // machine the toast may already have gone when this looks).
  const shown = new RegExp(`Validating ${escaped}|(^|\\s)${escaped}( is a valid|: \\d+ errors?)`);
  const started = (timeoutMs: number) => waitForNotification(page, shown, timeoutMs).then(() => true, () => false);
  await runFromContextMenu(page, () => rightClickInExplorer(page, name), VALIDATE, started);
}

/** The guided flow has started when its first step's title shows. */
function guidedFlowStarted(page: Page) {
  return becomesVisible(page.locator('.quick-input-widget .quick-input-title', { hasText: /Generate Training Data \(1\/5\)/ }));
}

async function addDatasetFromExplorer(page: Page, folder: string, summary: string): Promise<void> {
  await rightClickInExplorer(page, folder);
  await clickContextMenu(page, /^(Pixtune: )?Add as Dataset$/);
  // The command reveals the dataset expanded (switching to the Pixtune container): wait for that to finish, or the
  // reveal could switch containers under the next step's clicks.
  await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === folder && row.description.startsWith(summary) && row.expanded === true), 60_000);
}

function jsonLines(text: string): unknown[] {
  return text.split('\n').filter((l) => l !== '').map((l, i) => {
    try {
      return JSON.parse(l) as unknown;
    } catch (err) {
      throw new Error(`line ${i + 1} is not JSON: ${String(err)}`);
    }
  });
}

type Content = string | { type: string; text?: string; image_url?: string | { url: string } }[];
interface Message { role: string; content: Content }

/** The data URL of the user message's image part (the format allows a string or {url}). */
function imageUrlOf(message: Message): string {
  assert.ok(Array.isArray(message.content), `user content is a list of parts: ${JSON.stringify(message.content).slice(0, 200)}`);
  const part = message.content.find((p) => p.type === 'image_url');
  assert.ok(part?.image_url, 'the user message carries an image_url part');
  return typeof part.image_url === 'string' ? part.image_url : part.image_url.url;
}

/** Checks a fine-tuning file against the manifest: one line per image of that split, with the right label. */
async function checkFineTuningFile(path: string, name: string, manifest: Manifest): Promise<number> {
  const records = jsonLines(await readFile(path, 'utf8')) as { messages: Message[] }[];
  const byLine = new Map(manifest.images.filter((im) => im.file === name).map((im) => [im.line, im]));
  assert.equal(byLine.size, records.length, `${name}: every line has its image in the manifest`);
  for (const [i, record] of records.entries()) {
    const where = `${name} line ${i + 1}`;
    assert.deepEqual(record.messages.map((m) => m.role), ['system', 'user', 'assistant'], where);
    const [system, user, assistant] = record.messages as [Message, Message, Message];
    assert.equal(typeof system.content, 'string', where);
    for (const c of SMALL_CLASSES) assert.ok((system.content as string).includes(c), `${where}: the system prompt lists ${c}`);
    assert.match(imageUrlOf(user), /^data:image\/jpeg;base64,[A-Za-z0-9+/]+=*$/, where);
    const image = byLine.get(i + 1);
    assert.ok(image, `${where} is in the manifest`);
    assert.equal(assistant.content, `{"label": "${image.class}"}`, `${where}: compact answer with the image's class`);
  }
  return records.length;
}

test('training data: guided generation, JSONL validation and cancellation in one VS Code session', { timeout: 900_000 }, async (t) => {
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-e2e-training-'));
  const staging = await mkdtemp(join(tmpdir(), 'pixtune-e2e-staging-'));
  try {
    await writeSmallDataset(workspace);
    // The large dataset takes a while to draw: it is generated while VS Code starts and the first steps run, outside
    // the workspace (file events would re-render the Explorer and close its context menus), and moved in later.
    const largeReady = writeLargeDataset(staging);
    largeReady.catch(() => undefined);

    await withVSCode({ workspace, name: 'training', theme: 'light' }, async (vs) => {
      const { page } = vs;
      const dialogs: string[] = [];
      page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
      const smallOut = join(workspace, '.pixtune', SMALL_DATASET);
      const totalSmall = SMALL_CLASSES.length * SMALL_PER_CLASS + 1;
      let trainLines = 0;
      // A failing step leaves its own screenshot and the extension host's log, and the next steps still run.
      const step = (name: string, fn: () => Promise<void>) => t.test(name, async () => {
        try {
          // Whatever an earlier failed step left open (a quick input, an open dialog) must not take this step's input.
          await dismissQuickInput(page);
          await fn();
        } catch (err) {
          const shot = await vs.screenshot(`training-FAILED-${name.split(' ')[0]}`).catch(() => undefined);
          const log = await vs.extensionHostLog().catch(() => '');
          if (err instanceof Error) err.message += `${shot ? `\nscreenshot: ${shot}` : ''}\nextension host log (tail):\n${log.slice(-3000)}`;
          throw err;
        }
      });

      await step('generate training data through the guided flow', async () => {
        await addDatasetFromExplorer(page, SMALL_DATASET, `${totalSmall} images`);

        // The Explorer offers the command on a folder that is a dataset.
        await runFromContextMenu(page, async () => {
          await rightClickInExplorer(page, SMALL_DATASET);
          const menu = await contextMenuLabels(page);
          assert.ok(menu.some((l) => /Generate Training Data/.test(l)), `Explorer context menu: ${menu.join(' | ')}`);
        }, GENERATE, guidedFlowStarted(page));
        // Back, as a user who changes their mind at step 3: step 2 again, then step 1 with the earlier answer kept.
        await waitForQuickInputTitle(page, /Generate Training Data \(1\/5\): Split/);
        await quickPickSelect(page, '80 / 0 / 20');
        await waitForQuickInputTitle(page, /\(2\/5\): Image size \(tiles are 64×64\)/);
        // The dataset's own tiles (64 px), not the reference's 600×600.
        assert.match(await quickPickDescription(page, 'Half size'), /^64×64 → 32×32/);
        assert.match(await quickPickDescription(page, 'Quarter size'), /^64×64 → 16×16/);
        await vs.screenshot('training-00-size-step-light');
        await quickPickSelect(page, 'Half size');
        await waitForQuickInputTitle(page, /\(3\/5\): Image format/);
        await clickBack(page);
        await waitForQuickInputTitle(page, /\(2\/5\): Image size/);
        await clickBack(page);
        await waitForQuickInputTitle(page, /\(1\/5\): Split/);
        // Escape part-way keeps what was answered: the next start has it preselected.
        await quickPickSelect(page, '70 / 10 / 20');
        await waitForQuickInputTitle(page, /\(2\/5\): Image size/);
        await page.keyboard.press('Escape');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
        await runCommand(page, 'Pixtune: Generate Training Data');
        await waitForQuickInputTitle(page, /Generate Training Data \(1\/5\): Split/);
        const active = (await page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name').first().innerText()).trim();
        assert.equal(active, '70 / 10 / 20', 'the split answered before Escape is preselected');
        await answerGuidedFlow(page, { split: '70 / 10 / 20', size: 'Half size', format: 'JPEG, quality 90', template: /^\s*compact\s*$/ });

        // Nothing is written before the user has seen what it costs.
        const confirm = await waitForDialog(page);
        const expected = { train: SMALL_CLASSES.length * SMALL_PER_CLASS * SPLIT.train, validation: SMALL_CLASSES.length * SMALL_PER_CLASS * SPLIT.validation, test: SMALL_CLASSES.length * SMALL_PER_CLASS * SPLIT.test };
        assert.match(confirm, new RegExp(`${Math.round(expected.train)} training examples · about [\\d,]+ training tokens \\(\\d+ epochs\\) ≈ \\d+\\.\\d{2} USD`), confirm);
        assert.match(confirm, new RegExp(`Split: ${Math.round(expected.train)} train / ${Math.round(expected.validation)} validation / ${Math.round(expected.test)} test across 3 classes \\(seed 42\\)`), confirm);
        assert.match(confirm, /Tokens: about [\d,]+ per training example/, confirm);
        assert.ok((await dialogButtons(page)).includes('Generate'), `dialog buttons: ${(await dialogButtons(page)).join(' | ')}`);
        assert.deepEqual(await filesUnder(smallOut), [], 'no file is written before the confirmation');
        await vs.screenshot('training-01-confirm-light');
        // "Show Skipped" lists the corrupt image, then the same question comes back.
        await clickDialogButton(page, 'Show Skipped');
        const skippedList = await quickPickLabels(page);
        assert.ok(skippedList.includes(CORRUPT_IMAGE), `Show Skipped: ${skippedList.join(' | ')}`);
        await vs.screenshot('training-01b-skipped-light');
        await page.keyboard.press('Escape');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
        const again = await waitForDialog(page, 20_000).catch(async () => assert.fail(`the cost dialog did not come back after Show Skipped; log:\n${(await vs.extensionHostLog()).split('\n').filter((l) => /pixtune|skipped|cost dialog/i.test(l)).slice(-15).join('\n')}`));
        assert.match(again, /training examples/);
        await clickDialogButton(page, 'Generate');

        const done = await waitForNotification(page, /Training data for aerial is in/, 120_000);
        const runName = /is in (\S+?)\.(\s|$)/.exec(done)?.[1] ?? '';
        assert.match(runName, RUN_NAME, `notification: ${done}`);
        assert.match(done, /1 image was skipped\./, done);
        const runDir = join(smallOut, runName);

        // The files of the run, checked against the manifest.
        const files = await filesUnder(runDir);
        assert.deepEqual(files, ['manifest.json', 'report.md', 'test.batch.jsonl', 'train.jsonl', 'validation.jsonl'], `run folder: ${files.join(', ')}`);
        const manifest = manifestSchema.parse(JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')));
        assert.deepEqual([...manifest.classes].sort(), [...SMALL_CLASSES].sort());
        const skipped = manifest.skipped.find((s) => s.path.endsWith(CORRUPT_IMAGE.split('/')[1]!));
        assert.ok(skipped, `the corrupt image is listed as skipped: ${JSON.stringify(manifest.skipped)}`);
        assert.ok(skipped.reason.trim().length > 0, 'a skipped image says why');
        assert.equal(manifest.skipped.length, 1, `skipped: ${JSON.stringify(manifest.skipped)}`);

        // Stratified split: per class, the counts follow the fractions of the images that could be read.
        for (const cls of SMALL_CLASSES) {
          const usable = manifest.images.filter((im) => im.class === cls && im.split !== 'skipped' && im.split !== 'dropped');
          const count = (s: string) => usable.filter((im) => im.split === s).length;
          assert.equal(usable.length, SMALL_PER_CLASS, `${cls}: usable images`);
          assert.deepEqual({ train: count('train'), validation: count('validation'), test: count('test') },
            { train: Math.round(usable.length * SPLIT.train), validation: Math.round(usable.length * SPLIT.validation), test: Math.round(usable.length * SPLIT.test) },
            `${cls}: split counts`);
        }
        const inSplit = (s: string) => manifest.images.filter((im) => im.split === s).length;
        assert.equal(await checkFineTuningFile(join(runDir, 'train.jsonl'), 'train.jsonl', manifest), inSplit('train'));
        assert.equal(await checkFineTuningFile(join(runDir, 'validation.jsonl'), 'validation.jsonl', manifest), inSplit('validation'));
        const batch = jsonLines(await readFile(join(runDir, 'test.batch.jsonl'), 'utf8')) as { custom_id: string; body: { messages: Message[] } }[];
        assert.equal(batch.length, inSplit('test'));
        for (const r of batch) assert.equal(r.body.messages.at(-1)?.role, 'user', `batch ${r.custom_id} asks, it does not answer`);
        for (const f of manifest.files) {
          const lines = (await readFile(join(runDir, f.name), 'utf8')).split('\n').filter(Boolean).length;
          assert.equal(f.lines, lines, `manifest line count of ${f.name}`);
        }

        // Half size of 64 px, JPEG.
        const firstTrain = (jsonLines(await readFile(join(runDir, 'train.jsonl'), 'utf8'))[0] as { messages: Message[] }).messages[1]!;
        const meta = await sharp(Buffer.from(imageUrlOf(firstTrain).split(',')[1]!, 'base64')).metadata();
        assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 32, 32]);

        // The CLI agrees that every written file is valid.
        for (const name of ['train.jsonl', 'validation.jsonl', 'test.batch.jsonl']) {
          const r = await runCli(['validate', join(runDir, name)]);
          assert.equal(r.code, 0, `pixtune validate ${name}: ${r.stdout}${r.stderr}`);
        }

        // The report opened in the Markdown preview.
        const report = await readFile(join(runDir, 'report.md'), 'utf8');
        const heading = /^# (.+)$/m.exec(report)?.[1] ?? '';
        assert.ok(heading, 'report.md has a title');
        const preview = await findWebviewFrame(page, heading, 30_000);
        const previewText = await preview.evaluate(() => document.body.innerText);
        assert.match(previewText, /forest_corrupt\.jpg/, 'the preview lists the skipped image');

        // The Datasets tree shows the run under "Training data", with its files.
        await showViewContainer(page, 'Pixtune');
        // The dataset row may have collapsed while the Explorer was showing (it is only expanded by the reveal of
        // Add as Dataset): open it as a user would.
        await expandRow(page, DATASETS, SMALL_DATASET);
        await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === 'Training data' && row.level === 2), 30_000);
        await expandRow(page, DATASETS, 'Training data');
        let rows: TreeRow[] = await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === RUN_LABEL && /^\d{1,2} \w{3} \d{2}:\d{2}$/.test(row.description)));
        assert.equal(rows.find((row) => row.label === RUN_LABEL)!.level, 3);
        const counts = `train ${inSplit('train')} · val ${inSplit('validation')} · test ${inSplit('test')}`;
        assert.match(await rowTooltip(page, DATASETS, RUN_LABEL), new RegExp(`${runName}[\\s\\S]*${counts}`), 'the tooltip names the folder and the counts');
        await expandRow(page, DATASETS, RUN_LABEL);
        rows = await waitForTreeRows(page, DATASETS, (r) => ['train.jsonl', 'validation.jsonl', 'test.batch.jsonl'].every((n) => r.some((row) => row.label === n)));
        const trainRow = rows.find((row) => row.label === 'train.jsonl')!;
        assert.match(trainRow.description, new RegExp(`^${inSplit('train')} lines · `), `train.jsonl row: ${trainRow.description}`);
        await page.mouse.move(0, 0);
        await vs.screenshot('training-02-finished-light');
        await vs.setTheme('dark');
        await vs.screenshot('training-03-finished-dark');
        trainLines = inSplit('train');
      });

      await step('validate a run file from its context menu in the Datasets tree', async () => {
        assert.ok(trainLines > 0, 'needs the run of the first step');
        await showViewContainer(page, 'Pixtune');
        await rightClickTreeRow(page, DATASETS, 'train.jsonl');
        const shown = await page.locator('.context-view .monaco-menu a.action-menu-item').first()
          .waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false);
        const labels = shown ? await contextMenuLabels(page) : [];
        if (!labels.some((l) => /Validate JSONL File/.test(l))) {
          await page.keyboard.press('Escape');
          assert.fail(`the context menu of a run file offers no "Validate JSONL File" (entries: [${labels.join(' | ')}]); ` +
            'package.json view/item/context: VS Code sets only `view` and `viewItem` for tree items, so a `resourceExtname` condition never holds there');
        }
        await clickContextMenu(page, VALIDATE);
        await waitForNotificationOrCentre(page, new RegExp(`train\\.jsonl is a valid fine-tuning file: ${trainLines} lines`));
      });

      await step('validate JSONL files from the Explorer: errors in the Problems panel, valid file confirmed', async () => {
        const record = (last: 'assistant' | 'user') => JSON.stringify({ messages: [
          { role: 'system', content: 'Classify the image.' },
          { role: 'user', content: 'Which class is it?' },
          ...(last === 'assistant' ? [{ role: 'assistant', content: '{"label": "beach"}' }] : []),
        ] });
        await writeFile(join(workspace, 'broken.jsonl'), `${record('assistant')}\n{"messages": [not json\n${record('user')}\n`);
        await writeFile(join(workspace, 'valid.jsonl'), `${record('assistant')}\n${record('assistant')}\n`);

        await validateFromExplorer(page, 'broken.jsonl');
        const error = await waitForNotificationOrCentre(page, /broken\.jsonl: 2 errors in 3 lines/);
        assert.match(error, /Problems panel/);
        const rows = await waitUntil(async () => {
          const r = await problemsRows(page).catch(() => []);
          const hasLine = (n: number, msg: RegExp) => r.some((row) => msg.test(row.text) && (new RegExp(`Ln ${n}\\b`).test(row.text) || new RegExp(`line ${n}\\b`, 'i').test(row.ariaLabel)));
          return hasLine(2, /not valid JSON/) && hasLine(3, /last message must be from the assistant/) ? r : undefined;
        }, async () => `Problems rows for lines 2 and 3, got ${JSON.stringify(await problemsRows(page).catch(() => []))}`);
        assert.ok(rows.some((row) => /broken\.jsonl/.test(row.text)), `the file is the group of its problems: ${JSON.stringify(rows)}`);
        assert.ok(!rows.some((row) => /Ln 1\b/.test(row.text)), 'line 1 is fine');
        await vs.screenshot('training-04-problems-dark');

        await validateFromExplorer(page, 'valid.jsonl');
        await waitForNotificationOrCentre(page, /valid\.jsonl is a valid fine-tuning file: 2 lines/);
      });

      await step('cancel a generation at the cost dialog, then from its progress notification: nothing half written', async () => {
        await rename(await largeReady, join(workspace, LARGE_DATASET));
        await addDatasetFromExplorer(page, LARGE_DATASET, '200 images');
        const largeOut = join(workspace, '.pixtune', LARGE_DATASET);
        // This time from the Datasets tree's context menu.
        await showViewContainer(page, 'Pixtune');
        await runFromContextMenu(page, () => rightClickTreeRow(page, DATASETS, LARGE_DATASET), GENERATE, guidedFlowStarted(page));
        // Original size as PNG: the slowest encoding, so encoding lasts long enough to be cancelled.
        await answerGuidedFlow(page, { split: '80 / 0 / 20', size: 'Original size', format: 'PNG', template: /^\s*compact\s*$/ });
        const confirm = await waitForDialog(page);
        assert.match(confirm, /160 training examples/, confirm);
        await vs.screenshot('training-05-confirm-dark');
        // The encoded tiles wait in the extension's storage (not the workspace) while the user decides.
        const spools = async () => (await filesUnder(vs.userDataDir)).filter((f) => /(^|\/)\.pixtune-spool\./.test(f));
        assert.equal((await spools()).length, 1, 'one spool of encoded tiles while the cost dialog is open');
        assert.deepEqual(await filesUnder(largeOut), [], 'nothing in the workspace before the confirmation');
        // Saying no to the cost: nothing is written, and the spool is removed.
        await clickDialogButton(page, 'Cancel');
        await waitUntil(async () => ((await spools()).length === 0 ? true : undefined),
          async () => `no spool after declining the cost dialog: ${(await spools()).join(', ')}`, 30_000, 250);

        // Again, cancelled while the images are read and encoded (the long part of a run).
        await runFromContextMenu(page, () => rightClickTreeRow(page, DATASETS, LARGE_DATASET), GENERATE, guidedFlowStarted(page));
        await answerGuidedFlow(page, { split: '80 / 0 / 20', size: 'Original size', format: 'PNG', template: /^\s*compact\s*$/ });
        const progress = /Reading and encoding the images of aerial-large/;
        await notificationToast(page, progress).waitFor({ state: 'visible', timeout: 60_000 });
        const progressAtCancel = (await notificationToast(page, progress).innerText().catch(() => '')).replace(/\s+/g, ' ');
        await clickNotificationButton(page, progress, 'Cancel');
        await notificationToast(page, progress).waitFor({ state: 'hidden', timeout: 60_000 });
        // The toast goes at once; the command ends when in-flight images are done and its files are cleaned up,
        // which the Pixtune log records.
        const ended = await waitUntil(async () => {
          const log = await vs.extensionHostLog();
          if (/pixtune\.generateTrainingData failed/.test(log)) return 'failed';
          return /command pixtune\.generateTrainingData cancelled/.test(log) ? 'cancelled' : undefined;
        }, () => 'the Pixtune log to record the cancelled command', 60_000, 500);
        assert.equal(ended, 'cancelled', 'the command ended as cancelled, not with an error');
        await vs.screenshot('training-06-cancelled-dark');

        const left = await filesUnder(largeOut);
        assert.ok(!left.some((f) => /(^|\/)train[^/]*\.jsonl$/.test(f)),
          `no train.jsonl after Cancel (did the run finish before Cancel took effect? progress was "${progressAtCancel}"): ${left.join(', ')}`);
        assert.deepEqual(left.filter((f) => /\.tmp$|(^|\/)\./.test(f)), [], `no temp files after Cancel: ${left.join(', ')}`);
        assert.deepEqual(left, [], `nothing written by a cancelled run: ${left.join(', ')}`);
        assert.deepEqual(await spools(), [], 'no spool left by the cancelled run');
        const shown = (await notificationLog(page)).map((e) => e.text);
        assert.ok(!shown.some((m) => /Training data for aerial-large is in/.test(m)), `no success message: ${shown.join(' | ')}`);
        // The cancelled run is not listed as a run of that dataset.
        const rows = await waitForTreeRows(page, DATASETS, (r) => r.some((row) => row.label === LARGE_DATASET));
        const large = rows.findIndex((row) => row.label === LARGE_DATASET);
        const next = rows.findIndex((row, i) => i > large && row.level === 1);
        const children = rows.slice(large + 1, next === -1 ? undefined : next);
        assert.ok(!children.some((row) => row.label === 'Training data'), `rows under ${LARGE_DATASET}: ${children.map((c) => c.label).join(', ')}`);
      });

      assert.deepEqual(dialogs, [], 'no browser dialog (alert) was opened');
    });
  } finally {
    await rm(workspace, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  }
});
