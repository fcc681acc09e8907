// Watches each dataset folder and rescans it (debounced) when files are added, removed or renamed,
// so the tree stays right without a manual refresh. One watcher per dataset; disposed on removal.
import * as vscode from 'vscode';
import type { DatasetStore } from './datasetStore';

const DEBOUNCE_MS = 600;

export class DatasetWatcher implements vscode.Disposable {
  private readonly watchers = new Map<string, { watcher: vscode.FileSystemWatcher; timer?: NodeJS.Timeout }>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: DatasetStore) {
    this.sync();
    this.subscription = store.onDidChange((root) => {
      if (root === undefined) this.sync();
    });
  }

  /** Starts watchers for added datasets and stops those of removed ones. */
  private sync(): void {
    const roots = new Set(this.store.roots());
    for (const [root, w] of this.watchers) {
      if (!roots.has(root)) {
        clearTimeout(w.timer);
        w.watcher.dispose();
        this.watchers.delete(root);
      }
    }
    for (const root of roots) {
      if (this.watchers.has(root)) continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/*'));
      const entry: { watcher: vscode.FileSystemWatcher; timer?: NodeJS.Timeout } = { watcher };
      const schedule = (uri: vscode.Uri) => {
        // Hidden files and folders (Pixtune's own .pixtune outputs among them) are not part of the scan.
        const rel = uri.fsPath.slice(root.length);
        if (/[\\/]\./.test(rel)) return;
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => void this.store.rescan(root), DEBOUNCE_MS);
      };
      // Content changes do not alter the scan (names and counts), so only creations and deletions count.
      watcher.onDidCreate(schedule);
      watcher.onDidDelete(schedule);
      this.watchers.set(root, entry);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const w of this.watchers.values()) {
      clearTimeout(w.timer);
      w.watcher.dispose();
    }
    this.watchers.clear();
  }
}
