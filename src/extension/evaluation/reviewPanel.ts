// The review / gallery webview host: one panel per source (a predictions file, optionally compared with a
// second one, or a dataset or class). The page says "ready" and gets the whole view once; it then asks for
// thumbnails of what is on screen (made by the thumbnail cache, sent as webview URIs) and for a tile's details
// by index. It never sends a path: every action names a tile index, checked against the view it was sent.
// Panels open at a reload come back: the page keeps the source's key with setState, and the source itself is
// kept in workspaceState under that key.
import * as vscode from 'vscode';
import { notice } from '../../core/text/notificationText';
import { webviewPageHtml } from '../webviewPage';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ThumbnailCache } from '../../core/images/thumbnailCache';
import { errorMessage } from '../../core/errors';
import { reviewHostToWebviewSchema, reviewWebviewToHostSchema, type ReviewHostToWebview, type ReviewWebviewToHost } from '../../webview/review/reviewMessages';
import type { LoadedReview, ReviewSource } from './reviewModel';
import type { ReviewActions } from './reviewActions';
import { withSource, withoutSource } from './reviewSources';

export const REVIEW_VIEW_TYPE = 'pixtune.review';
const SOURCES_KEY = 'pixtune.reviewSources';
const THUMB_CHUNK = 24;

const sourceSchema = z.union([
  z.object({ kind: z.literal('evaluation'), runDir: z.string(), file: z.string(), compareFile: z.string().optional() }),
  z.object({ kind: z.literal('gallery'), root: z.string(), className: z.string().optional() }),
]);
const restoredStateSchema = z.object({ key: z.string().min(1) });

export interface OpenPanel {
  panel: vscode.WebviewPanel;
  source: ReviewSource;
  loaded: LoadedReview;
  /** Stops thumbnail work of a closed panel. */
  abort: AbortController;
  /** Tiles whose thumbnails the page asked for and has not got yet, newest request first. */
  thumbQueue: number[];
  thumbWorker?: Promise<void>;
}

export class ReviewPanels implements vscode.Disposable {
  private readonly panels = new Map<string, OpenPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly state: vscode.Memento,
    private readonly thumbnails: ThumbnailCache,
    private readonly log: vscode.LogOutputChannel,
    private readonly load: (source: ReviewSource, key: string) => Promise<LoadedReview>,
    private readonly actions: () => ReviewActions,
  ) {}

  static keyOf(source: ReviewSource): string {
    return createHash('sha1').update(JSON.stringify(source)).digest('hex').slice(0, 16);
  }

  /** Opens (or reveals and reloads) the panel of a source. */
  async open(source: ReviewSource): Promise<void> {
    const key = ReviewPanels.keyOf(source);
    const loaded = await this.load(source, key);
    await this.remember(key, source);
    const existing = this.panels.get(key);
    if (existing) {
      existing.loaded = loaded;
      existing.panel.reveal();
      this.post(existing, { type: 'view', view: loaded.view });
      return;
    }
    const panel = vscode.window.createWebviewPanel(REVIEW_VIEW_TYPE, this.title(loaded), vscode.ViewColumn.Active, this.options(loaded));
    this.adopt(key, source, loaded, panel);
  }

  /** Replaces what an open panel shows (e.g. Compare With… on it), keeping the panel. */
  async replace(current: OpenPanel, source: ReviewSource): Promise<void> {
    const key = ReviewPanels.keyOf(source);
    const loaded = await this.load(source, key);
    for (const [k, p] of this.panels) {
      if (p !== current) continue;
      this.panels.delete(k);
      this.forget(k);
    }
    this.panels.get(key)?.panel.dispose();
    current.source = source;
    current.loaded = loaded;
    this.panels.set(key, current);
    // After the dispose above, whose handler forgot this key's source for the panel it closed.
    await this.remember(key, source);
    current.panel.title = this.title(loaded);
    this.post(current, { type: 'view', view: loaded.view });
  }

  /** A panel VS Code brings back after a reload; closed when its source is gone or unreadable. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = restoredStateSchema.safeParse(state);
    const source = saved.success ? sourceSchema.safeParse(this.state.get<Record<string, unknown>>(SOURCES_KEY)?.[saved.data.key]) : undefined;
    if (!saved.success || !source?.success || this.panels.has(saved.data.key)) {
      panel.dispose();
      return;
    }
    let loaded: LoadedReview;
    try {
      loaded = await this.load(source.data, saved.data.key);
    } catch (err) {
      this.log.warn(`review: could not restore a panel: ${errorMessage(err)}`);
      panel.dispose();
      return;
    }
    panel.webview.options = this.options(loaded);
    panel.title = this.title(loaded);
    this.adopt(saved.data.key, source.data, loaded, panel);
  }

  /** The panels showing a given run's evaluations (to reload after a new prediction run). */
  openPanels(): OpenPanel[] {
    return [...this.panels.values()];
  }

  /** Tells the page that a tile now lives in another class folder (or back in its own: `to` undefined). */
  tileMoved(open: OpenPanel, index: number, to: string | undefined): void {
    this.post(open, { type: 'moved', index, ...(to ? { to } : {}) });
  }

  private async remember(key: string, source: ReviewSource): Promise<void> {
    await this.state.update(SOURCES_KEY, withSource(this.state.get<Record<string, unknown>>(SOURCES_KEY) ?? {}, key, source));
  }

  /** A closed panel's source is not needed again (background tabs not yet restored keep theirs). */
  private forget(key: string): void {
    this.state.update(SOURCES_KEY, withoutSource(this.state.get<Record<string, unknown>>(SOURCES_KEY) ?? {}, key)).then(undefined, (err: unknown) => this.log.warn(`review: ${errorMessage(err)}`));
  }

  private title(loaded: LoadedReview): string {
    return loaded.view.mode === 'gallery' ? `Images: ${loaded.view.title}` : `Review: ${loaded.view.title}${loaded.otherModel ? ` vs ${loaded.otherModel}` : ''}`;
  }

  private options(loaded: LoadedReview): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, 'dist'),
        vscode.Uri.joinPath(this.extensionUri, 'media'),
        vscode.Uri.file(this.thumbnails.cacheDir),
        vscode.Uri.file(loaded.datasetRoot),
      ],
    };
  }

  private adopt(key: string, source: ReviewSource, loaded: LoadedReview, panel: vscode.WebviewPanel): void {
    const open: OpenPanel = { panel, source, loaded, abort: new AbortController(), thumbQueue: [] };
    this.panels.set(key, open);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'pixtune.svg');
    panel.webview.html = this.html(panel.webview);
    panel.onDidDispose(() => {
      open.abort.abort();
      for (const [k, p] of this.panels) {
        if (p !== open) continue;
        this.panels.delete(k);
        this.forget(k);
      }
    });
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const parsed = reviewWebviewToHostSchema.safeParse(raw);
      if (!parsed.success) {
        this.log.warn('review: ignored a malformed message from the webview');
        return;
      }
      this.handle(open, parsed.data).catch((err) => {
        if (open.abort.signal.aborted) return;
        this.log.error(`review: ${parsed.data.type} failed`, err instanceof Error ? err : new Error(errorMessage(err)));
        void vscode.window.showErrorMessage(notice`Pixtune: ${errorMessage(err)}`);
      });
    });
  }

  private async handle(open: OpenPanel, msg: ReviewWebviewToHost): Promise<void> {
    const { loaded } = open;
    if (msg.type === 'ready') return this.post(open, { type: 'view', view: loaded.view });
    if (msg.type === 'thumbs') return this.sendThumbs(open, msg.indices);
    if (msg.type === 'compare') return this.actions().compare(open);
    if (msg.type === 'export') return this.actions().exportReport(open, msg.format);
    const index = msg.index;
    const image = loaded.images[index];
    if (image === undefined) return; // an index from an older view: nothing to do
    const uri = vscode.Uri.file(image);
    switch (msg.type) {
      case 'detail': {
        const r = loaded.records?.[index];
        const o = loaded.otherRecords?.[index];
        return this.post(open, {
          type: 'detail',
          index,
          imageUri: open.panel.webview.asWebviewUri(uri).toString(),
          ...(r ? { raw: r.raw, ...(r.description ? { description: r.description } : {}), ...(r.error ? { error: r.error } : {}) } : {}),
          ...(o ? { otherRaw: o.error ? `(no answer: ${o.error})` : o.raw } : {}),
        });
      }
      case 'open':
        await vscode.commands.executeCommand('vscode.open', uri);
        return;
      case 'reveal':
        await vscode.commands.executeCommand('revealInExplorer', uri);
        return;
      case 'move':
        return this.actions().move(open, index, msg.to);
      case 'undoMove':
        return this.actions().undoMove(open, index);
    }
  }

  /**
   * Queues thumbnail requests newest first: after a fast scroll through 10,000 tiles the ones now on screen are
   * made next, not after everything scrolled past. One worker per panel, a chunk at a time.
   */
  private sendThumbs(open: OpenPanel, indices: number[]): Promise<void> {
    const wanted = indices.filter((index) => open.loaded.images[index] !== undefined);
    const queued = new Set(wanted);
    open.thumbQueue = [...wanted, ...open.thumbQueue.filter((i) => !queued.has(i))];
    open.thumbWorker ??= this.drainThumbs(open).finally(() => (open.thumbWorker = undefined));
    return open.thumbWorker;
  }

  private async drainThumbs(open: OpenPanel): Promise<void> {
    const { webview } = open.panel;
    while (open.thumbQueue.length && !open.abort.signal.aborted) {
      const chunk = open.thumbQueue.splice(0, THUMB_CHUNK);
      const images = chunk.map((index) => open.loaded.images[index]!);
      const thumbs = await this.thumbnails.getMany(images, open.abort.signal);
      this.post(open, {
        type: 'thumbs',
        items: chunk.map((index, k) => {
          const t = thumbs[k]!;
          return t.ok ? { index, uri: webview.asWebviewUri(vscode.Uri.file(t.file)).toString() } : { index, reason: t.reason };
        }),
      });
    }
  }

  private post(open: OpenPanel, message: ReviewHostToWebview): void {
    if (open.abort.signal.aborted) return;
    // Validated on the way out too: a host bug should fail here, loudly, not draw garbage.
    void open.panel.webview.postMessage(reviewHostToWebviewSchema.parse(message));
  }

  private html(webview: vscode.Webview): string {
    return webviewPageHtml(webview, this.extensionUri, { script: 'review.js', stylesheet: 'review.css', title: 'Pixtune review', loading: 'Loading…', view: 'review' });
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
  }
}
