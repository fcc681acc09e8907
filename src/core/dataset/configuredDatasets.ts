// The setting `pixtune.datasets` (a workspace folder's .vscode/settings.json): dataset folders the Datasets view
// lists without the user adding them by hand — how `npm run sample` hands its dataset over. Entries are paths
// relative to the workspace folder (or absolute); anything else in a hand-edited file is ignored, with a reason.
import { isAbsolute, relative, resolve } from 'node:path';

export interface ConfiguredDatasets {
  roots: string[];
  /** One sentence per entry that was ignored. */
  ignored: string[];
}

export function resolveConfiguredDatasets(value: unknown, workspaceFolder: string): ConfiguredDatasets {
  const roots: string[] = [];
  const ignored: string[] = [];
  if (value === undefined || value === null) return { roots, ignored };
  if (!Array.isArray(value)) return { roots, ignored: ['pixtune.datasets must be a list of folder paths; it was ignored.'] };
  for (const entry of value) {
    if (typeof entry !== 'string' || !entry.trim()) {
      ignored.push(`pixtune.datasets: ${JSON.stringify(entry)} is not a folder path; it was ignored.`);
      continue;
    }
    const root = resolve(workspaceFolder, entry.trim());
    if (!roots.includes(root)) roots.push(root);
  }
  return { roots, ignored };
}

/** The entry to write into a workspace folder's setting for a dataset root: relative when inside the folder. */
export function settingEntryFor(root: string, workspaceFolder: string): string {
  const rel = relative(workspaceFolder, root);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split('\\').join('/') : root;
}
