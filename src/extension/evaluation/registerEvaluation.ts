// Wires evaluation into the extension: Evaluate Model, the review panels (and their restoration after a
// reload), Browse Images, and the commands on an evaluation in the Datasets tree (Open Review, Compare With…,
// Export Report). Called once from activate(); nothing heavy loads here (sharp and the SDK load on first use).
import * as vscode from 'vscode';
import { join, relative } from 'node:path';
import { errorMessage, UserError } from '../../core/errors';
import { listEvaluations } from '../../core/evaluation/listEvaluations';
import { ThumbnailCache } from '../../core/images/thumbnailCache';
import { CommandId } from '../commandIds';
import type { DatasetStore } from '../datasetStore';
import type { DatasetTreeNode } from '../datasetsTree';
import { JobLinkStore } from '../jobs/jobLinkStore';
import type { JobsApi } from '../jobs/registerJobs';
import { ServerAccess } from '../jobs/serverAccess';
import { registerCommand } from '../registerCommand';
import { evaluateModel } from './evaluateModel';
import { ReviewActions } from './reviewActions';
import { galleryReview, loadEvaluationReview, type ReviewSource } from './reviewModel';
import { evaluationSettings } from './evaluationSettings';
import { REVIEW_VIEW_TYPE, ReviewPanels } from './reviewPanel';

/** Thumbnails are ~5–10 KB: 512 MB holds those of about 50,000–100,000 images. */
const THUMBNAIL_CACHE_BYTES = 512 * 1048576;

type EvaluationNode = { kind: 'evaluation'; runDir: string; file: string };

function isEvaluationNode(arg: unknown): arg is EvaluationNode {
  return !!arg && typeof arg === 'object' && (arg as { kind?: unknown }).kind === 'evaluation' && typeof (arg as { file?: unknown }).file === 'string';
}

export function registerEvaluation(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, deps: { store: DatasetStore; jobs: JobsApi }): ReviewPanels {
  const { store, jobs } = deps;
  // Thumbnails live in the extension's global storage: outside every workspace, shared by all of them.
  const thumbnails = new ThumbnailCache({ cacheDir: join(context.globalStorageUri.fsPath, 'thumbnails') });
  const load = async (source: ReviewSource, key: string) => {
    if (source.kind === 'evaluation') return loadEvaluationReview(source, key, undefined, { pricePerMillionTokens: evaluationSettings().pricePerMillionTokens });
    await store.ensureScanned(source.root);
    const dataset = store.get(source.root)?.dataset;
    if (!dataset) throw new UserError('This dataset could not be read.', 'Refresh the Datasets view.');
    return galleryReview(dataset, key, source.className);
  };
  let actions: ReviewActions;
  const panels = new ReviewPanels(context.extensionUri, context.workspaceState, thumbnails, log, load, () => actions);
  actions = new ReviewActions(() => panels, thumbnails, log);
  const access = new ServerAccess(context.secrets);
  context.subscriptions.push(panels, access);
  // The thumbnail cache is shared by every workspace: trimmed once a session, a while after start-up, in the background.
  const trim = setTimeout(() => {
    thumbnails.prune(THUMBNAIL_CACHE_BYTES).then(
      (r) => r.removed && log.info(`thumbnails: removed ${r.removed} old thumbnails (${(r.bytes / 1048576).toFixed(0)} MB) to keep the cache under ${THUMBNAIL_CACHE_BYTES / 1048576} MB`),
      (err) => log.warn(`thumbnails: could not trim the cache: ${errorMessage(err)}`),
    );
  }, 60_000);
  context.subscriptions.push({ dispose: () => clearTimeout(trim) });
  // The palette offers the review commands only once there is a dataset to review.
  const publish = () => void vscode.commands.executeCommand('setContext', 'pixtune.hasDatasets', store.roots().length > 0);
  publish();
  context.subscriptions.push(store.onDidChange((root) => root === undefined && publish()));

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(REVIEW_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) =>
        panels.restore(panel, state).catch((err) => {
          log.warn(`review: could not restore a panel: ${errorMessage(err)}`);
          panel.dispose();
        }),
    }),
  );

  const reg = (id: Parameters<typeof registerCommand>[2], fn: (...a: any[]) => unknown) => registerCommand(context, log, id, fn);
  reg(CommandId.evaluateModel, (arg?: unknown) =>
    evaluateModel(
      {
        access,
        secrets: context.secrets,
        state: context.workspaceState,
        log,
        store,
        links: new JobLinkStore(context.workspaceState, log),
        finishedJobs: () => jobs.jobs().flatMap((j) => (j.status === 'SUCCESS' && j.fineTunedModel ? [{ id: j.id, model: j.fineTunedModel }] : [])),
        panels,
        onEvaluated: (runDir) => {
          for (const root of store.roots()) store.notifyRunsChanged(root);
          log.debug(`evaluation written under ${runDir}`);
        },
      },
      arg,
    ),
  );
  reg(CommandId.browseImages, async (arg?: DatasetTreeNode | vscode.Uri) => {
    const root = arg instanceof vscode.Uri ? arg.fsPath : arg && 'root' in arg ? arg.root : await pickDataset(store);
    if (!root) return;
    const className = arg && !(arg instanceof vscode.Uri) && arg.kind === 'class' ? arg.name : undefined;
    await panels.open({ kind: 'gallery', root, ...(className ? { className } : {}) });
  });
  reg(CommandId.openReview, async (arg?: unknown) => {
    const node = isEvaluationNode(arg) ? arg : await pickEvaluation(store);
    if (node) await panels.open({ kind: 'evaluation', runDir: node.runDir, file: node.file });
  });
  reg(CommandId.compareEvaluations, async (arg?: unknown) => {
    const node = isEvaluationNode(arg) ? arg : await pickEvaluation(store);
    if (!node) return;
    await panels.open({ kind: 'evaluation', runDir: node.runDir, file: node.file });
    const open = panels.openPanels().find((p) => p.source.kind === 'evaluation' && p.source.file === node.file && !p.source.compareFile);
    if (open) await actions.compare(open);
  });
  reg(CommandId.exportEvaluation, async (arg?: unknown) => {
    const node = isEvaluationNode(arg) ? arg : await pickEvaluation(store);
    if (!node) return;
    const format = await vscode.window.showQuickPick(
      [
        { label: 'Markdown', description: 'report.md: figures, per-class table, confusion matrix', value: 'markdown' as const },
        { label: 'HTML', description: 'one self-contained file with the wrong tiles as small thumbnails', value: 'html' as const },
      ],
      { title: 'Export the evaluation report as' },
    );
    if (!format) return;
    await panels.open({ kind: 'evaluation', runDir: node.runDir, file: node.file });
    const open = panels.openPanels().find((p) => p.source.kind === 'evaluation' && p.source.file === node.file && !p.source.compareFile);
    if (open) await actions.exportReport(open, format.value);
  });
  return panels;
}

async function pickDataset(store: DatasetStore): Promise<string | undefined> {
  const roots = store.roots();
  if (!roots.length) throw new UserError('There is no dataset to browse yet.', 'Add a dataset folder first (Pixtune: Add as Dataset).');
  if (roots.length === 1) return roots[0];
  return (await vscode.window.showQuickPick(roots.map((r) => ({ label: r.split(/[\\/]/).pop() || r, description: r, root: r })), { title: 'Browse Images of which dataset?' }))?.root;
}

/** From the palette: every evaluation of every run of every dataset. */
async function pickEvaluation(store: DatasetStore): Promise<EvaluationNode | undefined> {
  const { listPreparedRuns } = await import('../../core/training/listPreparedRuns');
  const { pixtuneFolderFor } = await import('../workspaceFolders');
  const items: (vscode.QuickPickItem & { node: EvaluationNode })[] = [];
  for (const root of store.roots()) {
    const base = await pixtuneFolderFor(root, { create: false }).catch(() => '');
    for (const run of await listPreparedRuns(base)) {
      for (const e of await listEvaluations(run.dir)) {
        items.push({ label: e.model, description: `${e.lines} predictions`, detail: relative(base, run.dir), node: { kind: 'evaluation', runDir: run.dir, file: e.file } });
      }
    }
  }
  if (!items.length) throw new UserError('There is no evaluation yet.', 'Run Pixtune: Evaluate Model on a prepared run first.');
  return (await vscode.window.showQuickPick(items, { title: 'Which evaluation?', matchOnDetail: true }))?.node;
}
