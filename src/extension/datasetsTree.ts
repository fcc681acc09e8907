// The Datasets view: dataset → Problems / classes → images (paged with "Show more").
// Node objects are cached so that refreshing one dataset re-renders only that subtree.
// Every label, description and tooltip here is plain text: folder names are user data.
import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import type { Problem } from '../core/dataset/types';
import type { DatasetStore } from './datasetStore';
import { CommandId } from './commandIds';
import { listPreparedRuns, type PreparedRun } from '../core/training/listPreparedRuns';
import { listEvaluations } from '../core/evaluation/listEvaluations';
import { pixtuneFolderFor } from './workspaceFolders';
import { datasetSettings } from './datasetSettings';
import { countDataset, formatShare, plural, type DatasetCounts } from '../core/dataset/datasetCounts';

export type DatasetTreeNode =
  | { kind: 'dataset'; root: string }
  | { kind: 'problems'; root: string }
  | { kind: 'problem'; root: string; index: number; problem: Problem }
  | { kind: 'class'; root: string; name: string }
  | { kind: 'image'; root: string; className: string; path: string }
  | { kind: 'more'; root: string; className: string; remaining: number }
  | { kind: 'runs'; root: string }
  | { kind: 'run'; root: string; runDir: string; run: PreparedRun }
  | { kind: 'runFile'; root: string; runDir: string; name: string; bytes: number; lines: number }
  | { kind: 'evaluation'; root: string; runDir: string; file: string; model: string; lines: number };

const WARNING_ICON = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
const ERROR_ICON = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
/** Problems that are about a single image (from the health check) rather than the dataset's shape. */
const SEVERE: ReadonlySet<Problem['kind']> = new Set(['corrupt', 'truncated', 'zero-byte', 'unsupported', 'oversized', 'unreadable']);

export class DatasetsTreeProvider implements vscode.TreeDataProvider<DatasetTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DatasetTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly datasetNodes = new Map<string, DatasetTreeNode & { kind: 'dataset' }>();
  private readonly classNodes = new Map<string, DatasetTreeNode & { kind: 'class' }>();
  private readonly runsNodes = new Map<string, DatasetTreeNode & { kind: 'runs' }>();
  /** How many images each class shows (grows with "Show more"). */
  private readonly shown = new Map<string, number>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: DatasetStore) {
    this.subscription = store.onDidChange((root) => {
      if (root === undefined) this.changed.fire(undefined);
      else {
        const node = this.datasetNodes.get(root);
        this.changed.fire(node);
      }
    });
  }

  private pageSize(): number {
    return datasetSettings().imagesPerPage;
  }

  datasetNode(root: string): DatasetTreeNode & { kind: 'dataset' } {
    let n = this.datasetNodes.get(root);
    if (!n) this.datasetNodes.set(root, (n = { kind: 'dataset', root }));
    return n;
  }

  /** The "Training data" group of a dataset (cached so it can be revealed after a run is written). */
  runsNode(root: string): DatasetTreeNode & { kind: 'runs' } {
    let n = this.runsNodes.get(root);
    if (!n) this.runsNodes.set(root, (n = { kind: 'runs', root }));
    return n;
  }

  private classNode(root: string, name: string): DatasetTreeNode & { kind: 'class' } {
    const key = `${root}\0${name}`;
    let n = this.classNodes.get(key);
    if (!n) this.classNodes.set(key, (n = { kind: 'class', root, name }));
    return n;
  }

  showMore(node: DatasetTreeNode): void {
    if (node.kind !== 'more') return;
    const key = `${node.root}\0${node.className}`;
    this.shown.set(key, (this.shown.get(key) ?? this.pageSize()) + this.pageSize());
    this.changed.fire(this.classNode(node.root, node.className));
  }

  async getChildren(node?: DatasetTreeNode): Promise<DatasetTreeNode[]> {
    if (!node) {
      // Remembered datasets (after a reload) are scanned as soon as they are listed, not only when expanded:
      // the collapsed row shows counts and problems too. Each finished scan refreshes its own row.
      for (const r of this.store.roots()) void this.store.ensureScanned(r);
      return this.store.roots().map((r) => this.datasetNode(r));
    }
    const state = this.store.get(node.root);
    if (!state) return [];
    if (node.kind === 'dataset') {
      await this.store.ensureScanned(node.root);
      const ds = this.store.get(node.root)?.dataset;
      if (!ds) return [];
      const out: DatasetTreeNode[] = [];
      if (this.datasetProblems(node.root).length) out.push({ kind: 'problems', root: node.root });
      if ((await this.runs(node.root)).length) out.push(this.runsNode(node.root));
      for (const c of ds.classes) out.push(this.classNode(node.root, c.name));
      return out;
    }
    if (node.kind === 'runs') {
      return (await this.runs(node.root)).map((run) => ({ kind: 'run', root: node.root, runDir: run.dir, run }));
    }
    if (node.kind === 'run') {
      const files: DatasetTreeNode[] = node.run.files.map((f) => ({ kind: 'runFile', root: node.root, runDir: node.runDir, name: f.name, bytes: f.bytes, lines: f.lines }));
      // The run's evaluations (predictions/<model>.jsonl), newest first, after its files.
      const evaluations = (await listEvaluations(node.runDir)).map((e): DatasetTreeNode => ({ kind: 'evaluation', root: node.root, runDir: node.runDir, file: e.file, model: e.model, lines: e.lines }));
      return [...files, ...evaluations];
    }
    if (node.kind === 'problems') {
      return this.datasetProblems(node.root).map((problem, index) => ({ kind: 'problem', root: node.root, index, problem }));
    }
    if (node.kind === 'class') {
      const cls = state.dataset?.classes.find((c) => c.name === node.name);
      if (!cls) return [];
      const limit = this.shown.get(`${node.root}\0${node.name}`) ?? this.pageSize();
      const out: DatasetTreeNode[] = cls.images
        .slice(0, limit)
        .map((img) => ({ kind: 'image', root: node.root, className: node.name, path: img.path }));
      if (cls.images.length > limit) out.push({ kind: 'more', root: node.root, className: node.name, remaining: cls.images.length - limit });
      return out;
    }
    return [];
  }

  private async runs(root: string): Promise<PreparedRun[]> {
    return listPreparedRuns(await pixtuneFolderFor(root, { create: false }).catch(() => ''));
  }

  /** Scan problems plus the health check's findings, counted as everywhere else (core/dataset/datasetCounts.ts). */
  private datasetProblems(root: string): Problem[] {
    return this.counts(root)?.problems ?? [];
  }

  private counts(root: string): DatasetCounts | undefined {
    const s = this.store.get(root);
    return s?.dataset ? countDataset(s.dataset, s.health) : undefined;
  }

  getParent(node: DatasetTreeNode): DatasetTreeNode | undefined {
    switch (node.kind) {
      case 'dataset':
        return undefined;
      case 'problems':
      case 'class':
        return this.datasetNode(node.root);
      case 'problem':
        return { kind: 'problems', root: node.root };
      case 'image':
      case 'more':
        return this.classNode(node.root, node.className);
      case 'runs':
        return this.datasetNode(node.root);
      case 'run':
        return this.runsNode(node.root);
      case 'runFile':
      case 'evaluation':
        return undefined; // run nodes are rebuilt on every listing; reveal is never needed for files
    }
  }

  getTreeItem(node: DatasetTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'dataset':
        return this.datasetItem(node.root);
      case 'problems': {
        const count = this.datasetProblems(node.root).length;
        const item = new vscode.TreeItem('Problems', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `problems:${node.root}`;
        item.description = String(count);
        item.iconPath = WARNING_ICON;
        item.contextValue = 'problems';
        return item;
      }
      case 'problem':
        return this.problemItem(node.root, node.index, node.problem);
      case 'class':
        return this.classItem(node.root, node.name);
      case 'image':
        return this.imageItem(node.root, node.className, node.path);
      case 'runs': {
        const item = new vscode.TreeItem('Training data', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `runs:${node.root}`;
        item.iconPath = new vscode.ThemeIcon('files');
        item.contextValue = 'runs';
        return item;
      }
      case 'run':
        return this.runItem(node.root, node.run);
      case 'runFile': {
        const uri = vscode.Uri.file(join(node.runDir, node.name));
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.id = `runFile:${node.runDir}\0${node.name}`;
        item.resourceUri = uri;
        item.description = `${node.lines} lines · ${formatBytes(node.bytes)}`;
        item.contextValue = 'runFile';
        // A JSONL file opens as readable records (image, prompt, answer); the page has "Open as Text" for the raw lines.
        item.command = node.name.endsWith('.jsonl')
          ? { command: 'vscode.openWith', title: 'Preview Records', arguments: [uri, 'pixtune.recordPreview'] }
          : { command: 'vscode.open', title: 'Open', arguments: [uri] };
        item.tooltip = `${node.name}: ${item.description}\nClick to preview its records (image, prompt, answer).`;
        return item;
      }
      case 'evaluation': {
        const item = new vscode.TreeItem(node.model, vscode.TreeItemCollapsibleState.None);
        item.id = `evaluation:${node.file}`;
        item.description = `${node.lines} predictions`;
        item.iconPath = new vscode.ThemeIcon('graph');
        item.contextValue = 'evaluation';
        item.tooltip = `Evaluation of ${node.model}: ${node.lines} predictions\n${node.file}\nClick to open the review.`;
        item.command = { command: CommandId.openReview, title: 'Open Review', arguments: [node] };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`Show more (${node.remaining} left)`, vscode.TreeItemCollapsibleState.None);
        item.id = `more:${node.root}\0${node.className}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'more';
        item.command = { command: CommandId.showMoreImages, title: 'Show more', arguments: [node] };
        return item;
      }
    }
  }

  private datasetItem(root: string): vscode.TreeItem {
    const s = this.store.get(root);
    const item = new vscode.TreeItem(basename(root) || root, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `dataset:${root}`;
    item.contextValue = 'dataset';
    item.resourceUri = vscode.Uri.file(root);
    if (!s?.dataset && !s?.scanError) {
      item.description = 'scanning…';
      item.iconPath = new vscode.ThemeIcon('loading~spin');
    } else if (s.scanError) {
      item.description = 'cannot be read';
      item.tooltip = `${root}\n${s.scanError}`;
      item.iconPath = ERROR_ICON;
      item.collapsibleState = vscode.TreeItemCollapsibleState.None;
    } else {
      const ds = s.dataset!;
      const counts = this.counts(root)!;
      const problems = counts.problems.length;
      // Short enough to fit beside a name like "aid-sample" and the two inline icons in a default-width side bar
      // (a hovered row shows them): the classes are the rows below, the problems are counted on the Problems row,
      // and everything is in the tooltip and the accessibility label.
      item.description = plural(counts.usable, 'image');
      item.iconPath = problems ? WARNING_ICON : new vscode.ThemeIcon('database');
      item.tooltip = [
        root,
        `${plural(ds.classes.length, 'class', 'classes')} · ${plural(counts.usable, 'usable image')}`,
        counts.broken ? `${plural(counts.broken, 'image')} failed the health check` : '',
        counts.otherFiles ? `${plural(counts.otherFiles, 'file')} that ${counts.otherFiles === 1 ? 'is' : 'are'} not an image` : '',
        problems ? plural(problems, 'problem') : 'No problems found',
        s.health ? `Health check: ${s.health.checked} images decoded` : 'Not health-checked yet (Check Dataset Health decodes every image)',
      ].filter(Boolean).join('\n');
    }
    const problems = this.datasetProblems(root).length;
    const classes = this.store.get(root)?.dataset?.classes.length;
    item.accessibilityInformation = {
      label: `Dataset ${item.label}${classes !== undefined ? `, ${plural(classes, 'class', 'classes')}` : ''}, ${item.description ?? ''}${problems ? `, ${plural(problems, 'problem')}` : ''}`,
    };
    return item;
  }

  private classItem(root: string, name: string): vscode.TreeItem {
    const ds = this.store.get(root)?.dataset;
    // Usable images (what a training split is made from, as the reports count them); broken ones are named apart.
    const counts = this.counts(root)?.classes.find((c) => c.name === name);
    const count = counts?.usable ?? 0;
    const broken = counts?.broken ?? 0;
    const item = new vscode.TreeItem(name, counts?.imageFiles ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `class:${root}\0${name}`;
    item.contextValue = 'class';
    item.resourceUri = vscode.Uri.file(join(root, name));
    const classProblems = (ds?.problems ?? []).filter((p) => p.class === name && (p.kind === 'empty-class' || p.kind === 'tiny-class'));
    item.description = `${plural(count, 'image')} · ${formatShare(counts?.share ?? 0)}${broken ? ` · ${broken} broken` : ''}`;
    const notes = [...classProblems.map((p) => p.message), ...(broken ? [`${plural(broken, 'image')} failed the health check and will be skipped`] : [])];
    item.iconPath = broken ? ERROR_ICON : classProblems.length ? WARNING_ICON : new vscode.ThemeIcon('folder');
    item.tooltip = [`${name}`, item.description, ...notes].join('\n');
    item.accessibilityInformation = { label: `Class ${name}, ${item.description}` };
    return item;
  }

  private imageItem(root: string, className: string, path: string): vscode.TreeItem {
    const uri = vscode.Uri.file(join(root, ...path.split('/')));
    const prefix = `${className}/`;
    const label = path.startsWith(prefix) ? path.slice(prefix.length) : path;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `image:${root}\0${path}`;
    item.resourceUri = uri;
    item.command = { command: 'vscode.open', title: 'Open Image', arguments: [uri] };
    const byPath = this.store.get(root)?.health?.byPath;
    const problem = byPath && Object.hasOwn(byPath, path) ? byPath[path] : undefined;
    if (problem) {
      item.contextValue = 'image.problem';
      item.iconPath = SEVERE.has(problem.kind) ? ERROR_ICON : WARNING_ICON;
      item.description = problem.kind;
      item.tooltip = `${path}\n${problem.message}`;
    } else {
      item.contextValue = 'image';
      item.iconPath = new vscode.ThemeIcon('file-media');
      item.tooltip = path;
    }
    item.accessibilityInformation = { label: `Image ${label}${problem ? `, ${problem.kind}` : ''}` };
    return item;
  }

  private runItem(root: string, run: PreparedRun): vscode.TreeItem {
    // Labelled by what the run is (split, size, format, template) and when, not by its folder's time stamp.
    const item = new vscode.TreeItem(run.description?.label ?? run.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `run:${run.dir}`;
    item.contextValue = run.error ? 'run.broken' : 'run';
    item.resourceUri = vscode.Uri.file(run.dir);
    const lines = (split: string) => run.files.filter((f) => f.split === split).reduce((n, f) => n + f.lines, 0);
    const counts = `train ${lines('train')} · val ${lines('validation')} · test ${lines('test')}`;
    item.description = run.error ? 'unreadable' : (run.description?.when ?? counts);
    item.iconPath = run.error ? ERROR_ICON : new vscode.ThemeIcon('package');
    item.tooltip = [run.dir, run.error ?? counts, ...run.warnings].join('\n');
    return item;
  }

  private problemItem(root: string, index: number, problem: Problem): vscode.TreeItem {
    const item = new vscode.TreeItem(problem.message, vscode.TreeItemCollapsibleState.None);
    item.id = `problem:${root}\0${index}\0${problem.kind}\0${problem.path ?? problem.class ?? ''}`;
    item.description = problem.kind;
    item.tooltip = [problem.message, problem.path ? `Path: ${problem.path}` : problem.class ? `Class: ${problem.class}` : '']
      .filter(Boolean)
      .join('\n');
    item.iconPath = SEVERE.has(problem.kind) ? ERROR_ICON : WARNING_ICON;
    item.contextValue = 'problem';
    // An image opens in the editor beside the tree; the view itself stays where it is (no switch to the Explorer).
    const isImage = problem.path !== undefined && !!this.store.get(root)?.dataset?.classes.some((c) => c.images.some((i) => i.path === problem.path));
    if (isImage) {
      const uri = vscode.Uri.file(join(root, ...problem.path!.split('/')));
      item.resourceUri = uri;
      item.command = { command: 'vscode.open', title: 'Open Image', arguments: [uri, { preview: true, preserveFocus: true }] };
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function formatBytes(n: number): string {
  if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${n} B`;
}
