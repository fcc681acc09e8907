// The datasets of this workspace: which folders were added (persisted in workspaceState so they survive a
// reload), their latest scan, and the latest health-check problems. Scanning is done by core; this class only
// caches results and tells listeners which dataset changed so the tree refreshes just that node.
import * as vscode from 'vscode';
import { scanDataset } from '../core/dataset/scanDataset';
import type { Dataset, HealthReport, Problem } from '../core/dataset/types';
import { errorMessage } from '../core/errors';
import { datasetSettings } from './datasetSettings';

const DATASETS_KEY = 'pixtune.datasets.v1';
const HEALTH_KEY = 'pixtune.health.v1';

export interface DatasetState {
  root: string;
  /** undefined while the first scan runs. */
  dataset?: Dataset;
  scanError?: string;
  /** Problems found by the last health check, keyed by image path (relative to root). */
  health?: { checkedAt: number; checked: number; byPath: Record<string, Problem>; problems: Problem[]; usualSize?: HealthReport['usualSize'] };
}

export class DatasetStore implements vscode.Disposable {
  private readonly states = new Map<string, DatasetState>();
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  /** Fires with the root of the dataset that changed, or undefined when the list itself changed. */
  readonly onDidChange = this.changed.event;
  private readonly scans = new Map<string, Promise<void>>();

  constructor(
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const roots = memento.get<string[]>(DATASETS_KEY, []);
    const health = memento.get<Record<string, DatasetState['health']>>(HEALTH_KEY, {});
    for (const root of roots) this.states.set(root, { root, health: health[root] });
  }

  roots(): string[] {
    return [...this.states.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  get(root: string): DatasetState | undefined {
    return this.states.get(root);
  }

  has(root: string): boolean {
    return this.states.has(root);
  }

  async add(root: string): Promise<void> {
    if (!this.states.has(root)) {
      // A dataset removed and added again gets its last health check back (removal keeps it, see remove()).
      const health = this.memento.get<Record<string, DatasetState['health']>>(HEALTH_KEY, {})[root];
      this.states.set(root, { root, health });
      await this.persistRoots();
      this.changed.fire(undefined);
    }
    await this.rescan(root);
  }

  /** Forgets a dataset; its health results stay stored (keyed by folder) for when it is added again. */
  async remove(root: string): Promise<void> {
    if (!this.states.delete(root)) return;
    await this.persistRoots();
    this.changed.fire(undefined);
  }

  /** Scans (or rescans) one dataset. Concurrent calls for the same root share one scan. */
  rescan(root: string): Promise<void> {
    const running = this.scans.get(root);
    if (running) return running;
    const p = this.doScan(root).finally(() => this.scans.delete(root));
    this.scans.set(root, p);
    return p;
  }

  /** Scans every dataset that has not been scanned yet (the tree calls this lazily). */
  ensureScanned(root: string): Promise<void> {
    const s = this.states.get(root);
    if (!s || s.dataset || s.scanError) return this.scans.get(root) ?? Promise.resolve();
    return this.rescan(root);
  }

  private async doScan(root: string): Promise<void> {
    const includeNested = datasetSettings().includeNestedFolders;
    const started = Date.now();
    try {
      const dataset = await scanDataset(root, { includeNested });
      const s = this.states.get(root);
      if (!s) return; // removed while scanning
      s.dataset = dataset;
      s.scanError = undefined;
      const total = dataset.classes.reduce((n, c) => n + c.images.length, 0);
      this.log.info(`scanned ${root}: ${dataset.classes.length} classes, ${total} images in ${Date.now() - started} ms`);
    } catch (err) {
      const s = this.states.get(root);
      if (!s) return;
      s.dataset = undefined;
      s.scanError = errorMessage(err);
      this.log.warn(`scan of ${root} failed: ${s.scanError}`);
    }
    this.changed.fire(root);
  }

  async setHealth(root: string, health: NonNullable<DatasetState['health']>): Promise<void> {
    const s = this.states.get(root);
    if (!s) return;
    s.health = health;
    await this.persistHealth();
    this.changed.fire(root);
  }

  /** A run folder was written or removed: the dataset's node re-lists its runs. */
  notifyRunsChanged(root: string): void {
    if (this.states.has(root)) this.changed.fire(root);
  }

  private async persistRoots(): Promise<void> {
    await this.memento.update(DATASETS_KEY, this.roots());
  }

  private async persistHealth(): Promise<void> {
    // Merged into what is stored, so results of removed datasets survive for a later re-add.
    const all: Record<string, DatasetState['health']> = { ...this.memento.get<Record<string, DatasetState['health']>>(HEALTH_KEY, {}) };
    for (const [root, s] of this.states) if (s.health) all[root] = s.health;
    await this.memento.update(HEALTH_KEY, all);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
