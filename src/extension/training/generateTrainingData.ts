// "Pixtune: Generate Training Data": options → plan (split, duplicates, token and cost estimate) →
// the user confirms what it will cost → write the run folder with progress → open the report.
import * as vscode from 'vscode';
import { notice, plainForNotification } from '../../core/text/notificationText';
import { basename, join } from 'node:path';
import type { PrepareOptionsInput } from '../../core/training/prepareOptions';
import { prepareOptionsSchema } from '../../core/training/prepareOptions';
import { defaultRunName } from '../../core/training/listPreparedRuns';
import { describePlan } from '../../core/training/describePlan';
import { UserError, isAbortError } from '../../core/errors';
import type { DatasetStore } from '../datasetStore';
import { withImageProgress } from '../imageProgress';
import { estimateSettings } from '../datasetSettings';
import { pixtuneFolderFor, scratchFolder } from '../workspaceFolders';
import { askPrepareOptions } from './askPrepareOptions';
import { showSkipped } from './showSkipped';
import { skippedImagesOnly } from '../../core/training/planPreparation';

const OPTIONS_KEY = 'pixtune.prepareOptions.v1';
const SHOW_SKIPPED = 'Show Skipped';
/** The extension host shares libuv's small thread pool with VS Code itself: keep image work bounded. */
const HOST_CONCURRENCY = 2;

function rememberedOptions(memento: vscode.Memento, root: string): PrepareOptionsInput {
  const all = memento.get<Record<string, unknown>>(OPTIONS_KEY, {});
  const parsed = prepareOptionsSchema.safeParse(all[root] ?? {});
  return parsed.success ? parsed.data : {};
}

export async function generateTrainingData(
  store: DatasetStore,
  memento: vscode.Memento,
  log: vscode.LogOutputChannel,
  root: string | undefined,
  /** Called with the dataset root once a run folder is complete (the tree lists and reveals it). */
  onRunWritten: (root: string) => Promise<void>,
): Promise<string | undefined> {
  if (!root) {
    const roots = store.roots();
    if (!roots.length) throw new UserError('There is no dataset yet.', 'Run Pixtune: Add as Dataset first.');
    root = roots.length === 1 ? roots[0] : (await vscode.window.showQuickPick(roots.map((r) => ({ label: basename(r), description: r, root: r })), { title: 'Generate Training Data from which dataset?' }))?.root;
    if (!root) return undefined;
  }
  await store.ensureScanned(root);
  const dataset = store.get(root)?.dataset;
  if (!dataset) throw new UserError(`${basename(root)} could not be scanned.`, 'Check that the folder exists and is readable.');
  if (dataset.classes.filter((c) => c.images.length).length < 2) throw new UserError(`${basename(root)} needs at least two classes with images to train a classifier.`);

  // The image-size step quotes the tiles' real size: the health check's finding, or a few headers read now.
  const { probeUsualTileSize } = await import('../../core/dataset/usualTileSize');
  const usualSize = store.get(root)?.health?.usualSize ?? (await probeUsualTileSize(dataset).catch(() => undefined));
  const remember = (answers: PrepareOptionsInput) => memento.update(OPTIONS_KEY, { ...memento.get<Record<string, unknown>>(OPTIONS_KEY, {}), [root]: answers });
  // Dismissed part-way, the answers so far are remembered too: the next run starts from them.
  const answers = await askPrepareOptions(rememberedOptions(memento, root), usualSize, remember);
  if (!answers) return undefined;
  await remember(answers);
  // Price and epochs of the estimate are settings (pixtune.training.*), not questions asked every run.
  const options = { ...answers, ...estimateSettings() };

  // Every image is decoded and encoded once, here; the plan (cost, leakage) is shown from what that
  // learnt, and the files are then assembled from the encoded tiles whatever the user picks.
  const { encodeAndPlan } = await import('../../core/training/encodedTiles');
  const scratchDir = await scratchFolder();
  const cancelled = () => void vscode.window.showInformationMessage(notice`Generating training data for ${basename(root)} was cancelled; nothing was written.`);
  const { plan, tiles } = await withImageProgress(`Reading and encoding the images of ${basename(root)}`, (signal, report) =>
    encodeAndPlan(dataset, options, scratchDir, { signal, concurrency: HOST_CONCURRENCY, onProgress: report }),
  ).then(undefined, (err: unknown) => {
    if (isAbortError(err)) cancelled();
    throw err;
  });
  let result;
  try {
    // What it will cost, before anything is written or uploaded.
    const summary = describePlan(plan);
    // A file over the upload limit can only be written in parts; duplicates can be dropped either way.
    const write = plan.needsSharding ? 'Write in 500 MB Parts' : 'Generate';
    const buttons: string[] = [write];
    if (plan.duplicates.some((d) => d.crossSplit || d.crossClass)) buttons.push(`Drop Duplicates and ${plan.needsSharding ? 'Write in Parts' : 'Generate'}`);
    if (plan.skipped.length) buttons.push(SHOW_SKIPPED);
    let choice: string | undefined;
    // "Show Skipped" lists them, then the same question comes back.
    while ((choice = await vscode.window.showInformationMessage(plainForNotification(summary.headline), { modal: true, detail: plainForNotification(summary.detail) }, ...buttons)) === SHOW_SKIPPED) {
      await showSkipped(root, plan.skipped, `Skipped by Generate Training Data: ${basename(root)}`);
      log.info(`skipped files listed (${plan.skipped.length}); asking again`);
    }
    log.info(`cost dialog of ${basename(root)} answered: ${choice ?? 'dismissed'}`);
    if (!choice) return undefined;
    let finalOptions = options;
    if (choice.startsWith('Drop')) finalOptions = { ...finalOptions, dropDuplicates: true };
    if (plan.needsSharding) finalOptions = { ...finalOptions, maxFileBytes: 500 * 1024 * 1024 };

    const outDir = join(await pixtuneFolderFor(root), defaultRunName(new Date(), prepareOptionsSchema.parse(finalOptions).split.seed));
    const { prepareTrainingData } = await import('../../core/training/prepareTrainingData');
    try {
      result = await withImageProgress(`Generating training data for ${basename(root)}`, (signal, report) =>
        prepareTrainingData(dataset, finalOptions, outDir, {
          signal,
          tiles,
          concurrency: HOST_CONCURRENCY,
          createdAt: new Date().toISOString(),
          onProgress: report,
        }),
      );
    } catch (err) {
      // The run is staged beside outDir and renamed into place only when complete (fsutil/atomicFolder):
      // a failure or cancellation leaves no run folder, so there is nothing to remove here.
      if (isAbortError(err)) cancelled();
      throw err; // the command wrapper logs a cancellation as such, not as a failure
    }
  } finally {
    await tiles.dispose();
  }
  log.info(`training data written to ${result.outDir}: ${result.files.map((f) => `${f.name} (${f.lines} lines)`).join(', ')}; ${result.skipped.length} skipped`);
  await onRunWritten(root);
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(result.reportPath));
  const skippedImages = skippedImagesOnly(result.skipped).length;
  const skipped = skippedImages ? ` ${skippedImages} image${skippedImages === 1 ? ' was' : 's were'} skipped.` : '';
  const written = result;
  // Not awaited: the command ends now; the button lists the skipped files whenever it is clicked.
  void vscode.window
    .showInformationMessage(notice`Training data for ${basename(root)} is in ${basename(result.outDir)}.${skipped}`, ...(written.skipped.length ? [SHOW_SKIPPED] : []))
    .then((b) => (b === SHOW_SKIPPED ? showSkipped(root, written.skipped, `Skipped in ${basename(written.outDir)}`) : undefined));
  return result.outDir;
}
