// "Show Skipped": the images a run could not use and the files that are not images, as a list the user can
// open entries from (an image in the editor's preview, anything else as it is). Names are user data: quick
// pick labels are plain text, and '$(' is escaped so a file name cannot draw icons.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { skippedImagesOnly, type SkippedImage } from '../../core/training/planPreparation';

const plain = (s: string) => s.replace(/\$\(/g, '\\$(');

type Item = vscode.QuickPickItem & { path?: string };

export async function showSkipped(datasetRoot: string, skipped: readonly SkippedImage[], title: string): Promise<void> {
  const images = skippedImagesOnly(skipped);
  const others = skipped.filter((s) => s.notAnImage);
  const section = (label: string, list: readonly SkippedImage[]): Item[] =>
    list.length ? [{ label, kind: vscode.QuickPickItemKind.Separator }, ...list.map((s) => ({ label: plain(s.path), detail: plain(s.reason), path: s.path }))] : [];
  const items: Item[] = [
    ...section(`Skipped images (${images.length}): not in any split`, images),
    ...section(`Not images (${others.length}): ignored`, others),
  ];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Pick one to open it', matchOnDetail: true });
  if (picked?.path) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(join(datasetRoot, ...picked.path.split('/'))));
}
