// Activation: wires the core to VS Code. Kept light — no sharp, no Mistral SDK here; those load on first use.
import * as vscode from 'vscode';
import { CommandId } from './commandIds';
import { registerCommand } from './registerCommand';
import { DatasetStore } from './datasetStore';
import { DatasetsTreeProvider, type DatasetTreeNode } from './datasetsTree';
import { DatasetWatcher } from './datasetWatcher';
import { watchConfiguredDatasets } from './datasetConfig';
import { countDataset } from '../core/dataset/datasetCounts';
import { addDataset, checkHealth, refreshDatasets, removeDataset, revealDataset } from './datasetCommands';
import { setFallbackStorage, setScratchStorage } from './workspaceFolders';
import { generateTrainingData } from './training/generateTrainingData';
import { validateJsonlCommand } from './training/validateJsonlCommand';
import { openRunReport } from './training/openRunReport';
import { registerJobs } from './jobs/registerJobs';
import { registerTraining } from './training/registerTraining';
import { RecordPreviewEditor } from './training/recordPreviewEditor';
import { registerEvaluation } from './evaluation/registerEvaluation';

/** What activate() returns: used by the integration suite to observe state without scraping the UI. */
export interface PixtuneApi {
  datasets(): { root: string; classes: { name: string; count: number }[]; problems: string[] }[];
}

export function activate(context: vscode.ExtensionContext): PixtuneApi {
  const log = vscode.window.createOutputChannel('Pixtune', { log: true });
  context.subscriptions.push(log);
  setFallbackStorage(context.globalStorageUri.fsPath);
  setScratchStorage((context.storageUri ?? context.globalStorageUri).fsPath);

  const store = new DatasetStore(context.workspaceState, log);
  const provider = new DatasetsTreeProvider(store);
  const tree = vscode.window.createTreeView<DatasetTreeNode>('pixtune.datasets', {
    treeDataProvider: provider,
    showCollapseAll: true,
  });
  context.subscriptions.push(store, provider, tree, new DatasetWatcher(store), watchConfiguredDatasets(store, log));

  const reg = (id: Parameters<typeof registerCommand>[2], fn: (...a: any[]) => unknown) => registerCommand(context, log, id, fn);
  reg(CommandId.addDataset, (arg) => addDataset(store, tree, provider, arg));
  reg(CommandId.removeDataset, (arg, options) => removeDataset(store, log, arg, options));
  reg(CommandId.refreshDatasets, (arg) => refreshDatasets(store, arg));
  reg(CommandId.revealDataset, (arg) => revealDataset(arg));
  reg(CommandId.checkHealth, (arg) => checkHealth(store, log, arg));
  reg(CommandId.showMoreImages, (node) => provider.showMore(node));
  reg(CommandId.generateTrainingData, (arg?: DatasetTreeNode | vscode.Uri) =>
    generateTrainingData(store, context.workspaceState, log, arg instanceof vscode.Uri ? arg.fsPath : arg?.root, async (root) => {
      store.notifyRunsChanged(root);
      await tree.reveal(provider.runsNode(root), { expand: true, select: false, focus: false });
    }),
  );
  const jsonlDiagnostics = vscode.languages.createDiagnosticCollection('pixtune-jsonl');
  context.subscriptions.push(jsonlDiagnostics);
  reg(CommandId.validateJsonl, (uri?: vscode.Uri) => validateJsonlCommand(jsonlDiagnostics, uri));
  reg(CommandId.openRunReport, (node?: DatasetTreeNode) => openRunReport(node));
  RecordPreviewEditor.register(context, log);
  // Training on this machine and on a Ray cluster (issue 9): its jobs join the Fine-tuning Jobs view, grouped by backend.
  const training = registerTraining(context, log, store);
  const jobs = registerJobs(context, log, training);
  registerEvaluation(context, log, { store, jobs });

  // Lets the Explorer's context menu offer dataset commands on folders that are datasets.
  const publishRoots = () => void vscode.commands.executeCommand('setContext', 'pixtune.datasetRoots', store.roots());
  publishRoots();
  context.subscriptions.push(store.onDidChange((root) => root === undefined && publishRoots()));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pixtune.includeNestedFolders')) void refreshDatasets(store);
    }),
  );
  log.info(`Pixtune ${context.extension.packageJSON.version} activated`);

  return {
    datasets: () =>
      store.roots().map((root) => {
        const s = store.get(root);
        return {
          root,
          classes: (s?.dataset?.classes ?? []).map((c) => ({ name: c.name, count: c.images.length })),
          // The same list the tree and the health message count (core/dataset/datasetCounts.ts).
          problems: (s?.dataset ? countDataset(s.dataset, s.health).problems : []).map((p) => p.kind),
        };
      }),
  };
}

export function deactivate(): void {}
