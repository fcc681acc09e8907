// "Pixtune: Validate JSONL File": checks a fine-tuning or batch JSONL file and puts every error in the
// Problems panel at its line. Works on any JSONL, ours or someone else's.
import * as vscode from 'vscode';
import { notice } from '../../core/text/notificationText';
import { basename, join } from 'node:path';
import { validateJsonlFile } from '../../core/training/validateJsonl';
import { newestRunFolder } from '../../core/training/listPreparedRuns';
import { UserError } from '../../core/errors';
import { toAbortSignal } from '../abortSignal';
import type { DatasetTreeNode } from '../datasetsTree';

export async function validateJsonlCommand(diagnostics: vscode.DiagnosticCollection, arg?: vscode.Uri | DatasetTreeNode): Promise<void> {
  // From the Datasets tree's context menu the argument is the run-file node, not a Uri.
  let uri = arg instanceof vscode.Uri ? arg
    : arg?.kind === 'runFile' ? vscode.Uri.file(join(arg.runDir, arg.name))
      : vscode.window.activeTextEditor?.document.uri;
  if (!uri || !uri.fsPath.endsWith('.jsonl')) {
    // Start where training files are: the newest run folder (.pixtune/<dataset>/<run>), not wherever the dialog was last.
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => join(f.uri.fsPath, '.pixtune'));
    const runDir = await newestRunFolder(roots);
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'JSONL': ['jsonl'] },
      openLabel: 'Validate',
      ...(runDir ? { defaultUri: vscode.Uri.file(runDir) } : {}),
    });
    uri = chosen?.[0];
  }
  if (!uri) return;
  if (uri.scheme !== 'file') throw new UserError('Only files on disk can be validated.');
  const target = uri;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: notice`Validating ${basename(target.fsPath)}`, cancellable: true },
    (progress, token) => {
      let last = 0;
      return validateJsonlFile(target.fsPath, {
        kind: 'auto',
        signal: toAbortSignal(token),
        maxErrors: 500,
        onProgress: (p) => {
          const pct = p.total ? (p.done / p.total) * 100 : 0;
          progress.report({ increment: pct - last });
          last = pct;
        },
      });
    },
  );
  diagnostics.set(
    target,
    result.errors.map((e) => {
      const line = Math.max(0, e.line - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, 0x7fffffff), e.message, vscode.DiagnosticSeverity.Error);
      d.source = 'pixtune';
      return d;
    }),
  );
  const name = basename(target.fsPath);
  const kind = result.kind === 'batch' ? 'Batch API' : result.kind === 'finetune' ? 'fine-tuning' : 'JSONL';
  if (result.ok) {
    void vscode.window.showInformationMessage(notice`${name} is a valid ${kind} file: ${result.lines} lines.`);
  } else {
    const more = result.errorCount > result.errors.length ? ` (the first ${result.errors.length} are in the Problems panel)` : ' (see the Problems panel)';
    void vscode.window.showErrorMessage(notice`${name}: ${result.errorCount} error${result.errorCount === 1 ? '' : 's'} in ${result.lines} lines${more}.`);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
}
