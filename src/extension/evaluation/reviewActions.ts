// What the review page's buttons do on the host: Compare With… (another evaluation of the same run), Export
// (Markdown or one self-contained HTML file, written into the run's reports/ folder), and moving a mislabelled
// image to another class folder — a WorkspaceEdit rename, so the Explorer, the Datasets tree (through its file
// watcher) and VS Code's undo see a normal file move; the review's own Undo renames it back the same way.
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { UserError } from '../../core/errors';
import { reportHtml, reportMarkdown, type ReportExportInput } from '../../core/evaluation/exportReport';
import { listEvaluations } from '../../core/evaluation/listEvaluations';
import { modelSlug } from '../../core/evaluation/predictionsFile';
import { writeFileAtomic } from '../../core/fsutil/atomicWrite';
import { resolveContainedPath } from '../../core/fsutil/containedPath';
import type { ThumbnailCache } from '../../core/images/thumbnailCache';
import { notice } from '../../core/text/notificationText';
import type { OpenPanel, ReviewPanels } from './reviewPanel';

export const REPORTS_DIR = 'reports';

export class ReviewActions {
  /** Images moved from this panel: tile index → where the image was before. */
  private readonly moves = new WeakMap<OpenPanel, Map<number, string>>();

  constructor(
    private readonly panels: () => ReviewPanels,
    private readonly thumbnails: ThumbnailCache,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async compare(open: OpenPanel): Promise<void> {
    const source = open.source;
    if (source.kind !== 'evaluation') return;
    const others = (await listEvaluations(source.runDir)).filter((e) => e.file !== source.file);
    if (!others.length) {
      void vscode.window.showInformationMessage('This run has no other evaluation to compare with yet: run Pixtune: Evaluate Model with a second model first.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      others.map((e) => ({ label: e.model, description: `${e.lines} predictions`, detail: relative(source.runDir, e.file), file: e.file })),
      { title: `Compare ${open.loaded.model ?? 'this evaluation'} with…`, placeHolder: 'The second model: its fixed and broken tiles are shown against the first', ignoreFocusOut: true },
    );
    if (!pick) return;
    await this.panels().replace(open, { kind: 'evaluation', runDir: source.runDir, file: source.file, compareFile: pick.file });
  }

  async exportReport(open: OpenPanel, format: 'markdown' | 'html'): Promise<void> {
    const { loaded, source } = open;
    if (source.kind !== 'evaluation' || !loaded.view.report || !loaded.model) return;
    const input: ReportExportInput = {
      title: `${basename(loaded.datasetRoot)} / ${basename(source.runDir)}`,
      model: loaded.model,
      report: loaded.view.report,
      classes: loaded.classes,
      records: loaded.records,
      ...(loaded.comparison && loaded.otherModel ? { compare: { model: loaded.otherModel, comparison: loaded.comparison } } : {}),
    };
    const name = `${modelSlug(loaded.model)}${loaded.otherModel ? `-vs-${modelSlug(loaded.otherModel)}` : ''}.${format === 'markdown' ? 'md' : 'html'}`;
    const out = join(source.runDir, REPORTS_DIR, name);
    const text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Writing the evaluation report' }, async () =>
      format === 'markdown'
        ? reportMarkdown(input)
        : reportHtml(input, async (record) => {
            const thumb = await this.thumbnails.get(join(loaded.datasetRoot, ...record.path.split('/')), open.abort.signal);
            return thumb.ok ? `data:image/jpeg;base64,${(await readFile(thumb.file)).toString('base64')}` : undefined;
          }),
    );
    await writeFileAtomic(out, text);
    this.log.info(`review: report written to ${out}`);
    const uri = vscode.Uri.file(out);
    if (format === 'markdown') await vscode.window.showTextDocument(uri, { preview: false });
    // The Markdown is open in an editor already; the HTML file is for a browser (or to send to someone).
    const buttons = format === 'html' ? ['Open in Browser', 'Reveal in Explorer'] : ['Reveal in Explorer'];
    void vscode.window.showInformationMessage(notice`Report written to ${relative(source.runDir, out)}.`, ...buttons).then((choice) => {
      if (choice === 'Open in Browser') void vscode.env.openExternal(uri);
      else if (choice === 'Reveal in Explorer') void vscode.commands.executeCommand('revealInExplorer', uri);
    });
  }

  async move(open: OpenPanel, index: number, to: string): Promise<void> {
    const { loaded } = open;
    // The class comes from the page: it must be one of the dataset's classes, never a path.
    if (!loaded.classes.includes(to)) throw new UserError(notice`"${to}" is not a class of this dataset.`);
    const from = loaded.images[index]!;
    // The image was named by a predictions file: it must really be inside the dataset (no symlink out).
    await resolveContainedPath(loaded.datasetRoot, relative(loaded.datasetRoot, from), { allowSubfolders: true, what: 'The image' });
    const target = join(loaded.datasetRoot, to, basename(from));
    if (target === from) return;
    await this.rename(from, target, `Move ${basename(from)} to class ${to}`);
    const moves = this.moves.get(open) ?? new Map<number, string>();
    this.moves.set(open, moves);
    if (!moves.has(index)) moves.set(index, from);
    loaded.images[index] = target;
    const tile = loaded.view.tiles[index]!;
    const original = moves.get(index)!;
    const backHome = target === original;
    if (backHome) moves.delete(index);
    if (backHome) delete tile.movedTo;
    else tile.movedTo = to;
    this.panels().tileMoved(open, index, backHome ? undefined : to);
    this.log.info(`review: moved ${from} to ${target}`);
    void vscode.window.showInformationMessage(notice`Moved ${basename(from)} to class ${to}.`, 'Undo').then((choice) => {
      if (choice === 'Undo') this.undoMove(open, index).catch((err) => this.log.warn(`review: undo failed: ${String(err)}`));
    });
  }

  async undoMove(open: OpenPanel, index: number): Promise<void> {
    const original = this.moves.get(open)?.get(index);
    const current = open.loaded.images[index];
    if (!original || !current || original === current) return;
    await this.rename(current, original, `Move ${basename(current)} back`);
    open.loaded.images[index] = original;
    this.moves.get(open)!.delete(index);
    delete open.loaded.view.tiles[index]!.movedTo;
    this.panels().tileMoved(open, index, undefined);
    this.log.info(`review: moved ${current} back to ${original}`);
    void vscode.window.showInformationMessage(notice`Moved ${basename(original)} back to class ${basename(join(original, '..'))}.`);
  }

  private async rename(from: string, to: string, label: string): Promise<void> {
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(vscode.Uri.file(from), vscode.Uri.file(to), { overwrite: false, ignoreIfExists: false }, { label, needsConfirmation: false });
    const ok = await vscode.workspace.applyEdit(edit);
    if (!ok) throw new UserError(notice`${basename(from)} could not be moved: a file with that name may already exist in ${basename(join(to, '..'))}, or the image is gone.`);
  }
}
