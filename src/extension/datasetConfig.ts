// Datasets named by the setting `pixtune.datasets` (per workspace folder) are added to the Datasets view at
// start-up and when the setting changes; `npm run sample` writes it into the sample's .vscode/settings.json so
// the sample's dataset is there without a manual step. Removing such a dataset also takes it out of the
// setting, or it would come back at the next start.
import * as vscode from 'vscode';
import { resolveConfiguredDatasets, settingEntryFor } from '../core/dataset/configuredDatasets';
import type { DatasetStore } from './datasetStore';

const KEY = 'datasets';

function configured(log: vscode.LogOutputChannel): { root: string; folder: vscode.WorkspaceFolder }[] {
  const out: { root: string; folder: vscode.WorkspaceFolder }[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const { roots, ignored } = resolveConfiguredDatasets(vscode.workspace.getConfiguration('pixtune', folder.uri).get(KEY), folder.uri.fsPath);
    for (const why of ignored) log.warn(`${folder.name}: ${why}`);
    for (const root of roots) out.push({ root, folder });
  }
  return out;
}

/** Adds every configured dataset the store does not have yet. */
async function addConfigured(store: DatasetStore, log: vscode.LogOutputChannel): Promise<void> {
  for (const { root } of configured(log)) {
    if (store.has(root)) continue;
    log.info(`adding ${root} from the setting pixtune.datasets`);
    await store.add(root);
  }
}

export function watchConfiguredDatasets(store: DatasetStore, log: vscode.LogOutputChannel): vscode.Disposable {
  void addConfigured(store, log);
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`pixtune.${KEY}`)) void addConfigured(store, log);
  });
}

/** Takes a removed dataset out of the setting of the folder that names it (if one does). */
export async function forgetConfiguredDataset(root: string, log: vscode.LogOutputChannel): Promise<void> {
  for (const { root: r, folder } of configured(log)) {
    if (r !== root) continue;
    const config = vscode.workspace.getConfiguration('pixtune', folder.uri);
    const inspected = config.inspect<unknown[]>(KEY);
    const entries = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
    if (!Array.isArray(entries)) continue; // set in user settings: not ours to edit
    const kept = entries.filter((e) => typeof e !== 'string' || resolveConfiguredDatasets([e], folder.uri.fsPath).roots[0] !== root);
    const target = inspected?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Workspace;
    await config.update(KEY, kept, target);
    log.info(`removed ${settingEntryFor(root, folder.uri.fsPath)} from pixtune.datasets of ${folder.name}`);
  }
}
