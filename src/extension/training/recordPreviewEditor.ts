// "Training Record Preview": a read-only custom editor for JSONL files that shows one record at a time —
// image, prompt, answer — instead of base64. The Datasets tree opens a run's JSONL files with it; anywhere else
// it is offered by "Reopen Editor With…" (priority "option": the text editor stays the default for .jsonl).
// "Open as Text" in the page, or the tree's "Open as Text", shows the raw lines.
import * as vscode from 'vscode';
import { basename, dirname, join } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { indexLines, lineCount, previewRecordLine, readLine } from '../../core/training/recordPreview';
import { manifestSchema, type Manifest } from '../../core/training/manifest';
import { errorMessage } from '../../core/errors';
import { webviewPageHtml } from '../webviewPage';
import { recordHostMessageSchema, recordPageMessageSchema, type RecordHostMessage } from '../../webview/recordPreview/recordPreviewMessages';

export const RECORD_PREVIEW_VIEW_TYPE = 'pixtune.recordPreview';

class JsonlDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    public offsets: number[],
    /** The run's manifest when the file sits in a run folder (classes, and which image each line came from). */
    public manifest: Manifest | undefined,
  ) {}

  /** A file rewritten since it was indexed (a run generated again) is indexed again, with its manifest. */
  async refreshIfChanged(): Promise<void> {
    const info = await stat(this.uri.fsPath);
    if (info.size === this.offsets.at(-1)) return;
    [this.offsets, this.manifest] = await Promise.all([indexLines(this.uri.fsPath), readManifest(this.uri.fsPath)]);
  }

  dispose(): void {}
}

async function readManifest(file: string): Promise<Manifest | undefined> {
  const text = await readFile(join(dirname(file), 'manifest.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not a run folder's manifest: the preview works without it
  }
}

export class RecordPreviewEditor implements vscode.CustomReadonlyEditorProvider<JsonlDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  static register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(RECORD_PREVIEW_VIEW_TYPE, new RecordPreviewEditor(context.extensionUri, log), {
        webviewOptions: { retainContextWhenHidden: false },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
  }

  async openCustomDocument(uri: vscode.Uri, _ctx: vscode.CustomDocumentOpenContext, token: vscode.CancellationToken): Promise<JsonlDocument> {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      const [offsets, manifest] = await Promise.all([indexLines(uri.fsPath, controller.signal), readManifest(uri.fsPath)]);
      return new JsonlDocument(uri, offsets, manifest);
    } finally {
      sub.dispose();
    }
  }

  async resolveCustomEditor(doc: JsonlDocument, panel: vscode.WebviewPanel): Promise<void> {
    // Images arrive as data: URLs inside the messages; the page needs no local files but its script and styles.
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')] };
    panel.webview.html = this.html(panel.webview);
    const fileName = basename(doc.uri.fsPath);
    // Validated on the way out too: a host bug fails here, not as a page that draws garbage.
    const post = (m: RecordHostMessage) => void panel.webview.postMessage(recordHostMessageSchema.parse(m));
    const show = async (line: number) => {
      await doc.refreshIfChanged().catch(() => undefined); // a vanished file fails below, with its reason
      const total = lineCount(doc.offsets);
      if (total === 0) return post({ type: 'error', message: `${fileName} is empty: there is no record to show.` });
      const n = Math.min(Math.max(1, Math.trunc(line)), total);
      try {
        const text = (await readLine(doc.uri.fsPath, doc.offsets, n)) ?? '';
        const record = previewRecordLine(text, n, total, doc.manifest?.classes ?? []);
        const image = doc.manifest?.images.find((im) => im.file === fileName && im.line === n)
          ?? (record.customId !== undefined ? doc.manifest?.images.find((im) => String(im.index) === record.customId) : undefined);
        post({ type: 'record', fileName, record, ...(image ? { source: { path: image.path, class: image.class } } : {}) });
      } catch (err) {
        this.log.warn(`record preview of ${doc.uri.fsPath} line ${n}: ${errorMessage(err)}`);
        post({ type: 'error', message: `Line ${n} of ${fileName} could not be read: ${errorMessage(err)}` });
      }
    };
    let current = 1;
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const parsed = recordPageMessageSchema.safeParse(raw);
      if (!parsed.success) return; // nothing from the page is trusted
      const msg = parsed.data;
      if (msg.type === 'ready') void show(current);
      else if (msg.type === 'show') void show((current = msg.line));
      else void vscode.commands.executeCommand('vscode.openWith', doc.uri, 'default');
    });
  }

  private html(webview: vscode.Webview): string {
    // img-src data: only, for the record's own images, which core checked to be base64 JPEG/PNG/WebP/GIF (never SVG).
    return webviewPageHtml(webview, this.extensionUri, { script: 'recordPreview.js', stylesheet: 'recordPreview.css', title: 'Training record', loading: 'Reading the file…', imgSrc: 'data:' });
  }
}
