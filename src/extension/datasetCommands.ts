// Command handlers of the Datasets view. Thin by design: scanning, health checks and report rendering
// live in core; here we only pick folders, show progress and open results.
import * as vscode from 'vscode';
import { notice, plainForNotification } from '../core/text/notificationText';
import { basename, join } from 'node:path';
import { stat } from 'node:fs/promises';
import { findDatasetCandidates } from '../core/dataset/findDatasetCandidates';
import { UserError } from '../core/errors';
import { writeFileAtomic } from '../core/fsutil/atomicWrite';
import type { Problem } from '../core/dataset/types';
import type { DatasetStore } from './datasetStore';
import type { DatasetTreeNode, DatasetsTreeProvider } from './datasetsTree';
import { withImageProgress } from './imageProgress';
import { pixtuneFolderFor } from './workspaceFolders';
import { datasetSettings } from './datasetSettings';
import { countDataset, healthSummary } from '../core/dataset/datasetCounts';
import { forgetConfiguredDataset } from './datasetConfig';

type NodeOrUri = DatasetTreeNode | vscode.Uri | undefined;

/** Command arguments arrive as a tree node (view menus), a Uri (Explorer menu) or nothing (palette). */
function rootOf(arg: NodeOrUri): string | undefined {
  if (!arg) return undefined;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  return 'root' in arg ? arg.root : undefined;
}

export async function addDataset(store: DatasetStore, tree: vscode.TreeView<DatasetTreeNode>, provider: DatasetsTreeProvider, arg?: NodeOrUri): Promise<void> {
  let root = rootOf(arg);
  if (!root) root = await pickDatasetFolder();
  if (!root) return;
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new UserError(`"${root}" is not a folder.`, 'Choose a folder with one sub-folder per class.');
  await vscode.window.withProgress(
    { location: { viewId: 'pixtune.datasets' }, title: `Scanning ${basename(root)}` },
    () => store.add(root!),
  );
  await vscode.commands.executeCommand('workbench.view.extension.pixtune');
  await tree.reveal(provider.datasetNode(root), { select: true, focus: false, expand: true });
  const s = store.get(root);
  if (s?.dataset && s.dataset.classes.length === 0) {
    void vscode.window.showWarningMessage(notice`${basename(root)} has no class folders: a dataset needs one sub-folder per class.`);
  }
}

async function pickDatasetFolder(): Promise<string | undefined> {
  const browse = '$(folder-opened) Browse…';
  const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const candidates = await findDatasetCandidates(roots);
  if (candidates.length) {
    const items: (vscode.QuickPickItem & { path?: string })[] = candidates.map((c) => ({
      label: basename(c.path),
      // Where it is, when that says more than the name itself.
      description: ((rel) => (rel === basename(c.path) ? undefined : rel))(vscode.workspace.asRelativePath(c.path)),
      detail: `${c.classCount} class folders`,
      path: c.path,
    }));
    items.push({ label: browse, alwaysShow: true });
    const picked = await vscode.window.showQuickPick(items, { title: 'Add Dataset', placeHolder: 'Pick a folder with one sub-folder per class' });
    if (!picked) return undefined;
    if (picked.path) return picked.path;
  }
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Add as Dataset' });
  return chosen?.[0]?.fsPath;
}

/**
 * Remove Dataset. A user is always asked first (menus and the palette pass a node, a URI, or nothing, then the
 * selection as an array); a script or another extension may pass `{ confirm: false }` as the second argument.
 */
export async function removeDataset(store: DatasetStore, log: vscode.LogOutputChannel, arg?: NodeOrUri, options?: unknown): Promise<void> {
  const root = rootOf(arg) ?? (await pickKnownDataset(store, 'Remove which dataset?'));
  if (!root || !store.has(root)) return;
  const confirm = !(options && typeof options === 'object' && !Array.isArray(options) && (options as { confirm?: unknown }).confirm === false);
  const remove = 'Remove from Pixtune';
  const answer = !confirm ? remove : await vscode.window.showWarningMessage(
    notice`Remove ${basename(root)} from the Datasets view?`,
    {
      modal: true,
      detail: 'Its folder, images and generated training data stay on disk. The health check results are kept: add the folder again to see them.',
    },
    remove,
  );
  if (answer !== remove) return;
  await store.remove(root); // only forgets it: the folder itself is never touched
  await forgetConfiguredDataset(root, log);
}

export async function refreshDatasets(store: DatasetStore, arg?: NodeOrUri): Promise<void> {
  const root = rootOf(arg);
  await Promise.all((root ? [root] : store.roots()).map((r) => store.rescan(r)));
}

export async function revealDataset(arg?: NodeOrUri): Promise<void> {
  let uri: vscode.Uri | undefined;
  if (arg instanceof vscode.Uri) uri = arg;
  else if (arg?.kind === 'image') uri = vscode.Uri.file(join(arg.root, ...arg.path.split('/')));
  else if (arg?.kind === 'class') uri = vscode.Uri.file(join(arg.root, arg.name));
  else if (arg && 'root' in arg) uri = vscode.Uri.file(arg.root);
  if (!uri) return;
  // Inside the workspace the Explorer can show it; outside, fall back to the OS file manager.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

async function pickKnownDataset(store: DatasetStore, title: string): Promise<string | undefined> {
  const roots = store.roots();
  if (roots.length <= 1) return roots[0];
  const picked = await vscode.window.showQuickPick(
    roots.map((r) => ({ label: basename(r), description: r, root: r })),
    { title },
  );
  return picked?.root;
}

export async function checkHealth(store: DatasetStore, log: vscode.LogOutputChannel, arg?: NodeOrUri): Promise<void> {
  const root = rootOf(arg) ?? (await pickKnownDataset(store, 'Check the health of which dataset?'));
  if (!root) {
    if (!store.roots().length) throw new UserError('There is no dataset to check yet.', 'Run Pixtune: Add as Dataset first.');
    return;
  }
  await store.ensureScanned(root);
  const ds = store.get(root)?.dataset;
  if (!ds) throw new UserError(`${basename(root)} could not be scanned: ${store.get(root)?.scanError ?? 'unknown reason'}.`);
  const { checkDatasetHealth } = await import('../core/dataset/checkDatasetHealth');
  const { renderHealthReportMarkdown } = await import('../core/dataset/healthReportMarkdown');
  const concurrency = datasetSettings().healthCheckConcurrency;
  const report = await withImageProgress(`Checking ${basename(root)}`, (signal, onProgress) =>
    checkDatasetHealth(ds, { signal, concurrency, onProgress }),
  );
  // Own properties (Object.fromEntries), read with Object.hasOwn: a file or class named "constructor" or "__proto__" is data.
  const byPath: Record<string, Problem> = Object.fromEntries(report.problems.filter((p) => p.path).map((p) => [p.path!, p]));
  await store.setHealth(root, { checkedAt: Date.now(), checked: report.checked, byPath, problems: report.problems, usualSize: report.usualSize });
  log.info(`health check of ${root}: ${report.checked} images, ${report.problems.length} problems, ${report.durationMs} ms`);

  const reportPath = join(await pixtuneFolderFor(root), 'health-report.md');
  await writeFileAtomic(reportPath, renderHealthReportMarkdown(ds, report));
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(reportPath));
  // The same count of problems as the tree's dataset row and the report (core/dataset/datasetCounts.ts).
  void vscode.window.showInformationMessage(plainForNotification(healthSummary(basename(root), countDataset(ds, report))));
}
