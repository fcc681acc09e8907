// Opens a run's report.md in the Markdown preview (from the run's context menu or inline action).
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { DatasetTreeNode } from '../datasetsTree';

export async function openRunReport(node?: DatasetTreeNode): Promise<void> {
  if (node?.kind !== 'run') return;
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(join(node.runDir, 'report.md')));
}
