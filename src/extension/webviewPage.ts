// The HTML shell every Pixtune webview page uses: a strict CSP (nothing by default, our script by nonce, our
// styles and fonts from the extension only), codicons, one stylesheet from media/ and one bundle from dist/.
// Pages draw themselves from typed messages; the shell holds no data.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  /** Bundle in dist/, e.g. "recordPreview.js". */
  script: string;
  /** Stylesheet in media/, e.g. "recordPreview.css". */
  stylesheet: string;
  title: string;
  /** What the page shows until its first message arrives. */
  loading: string;
  /** img-src: the extension's own files by default; "data:" for pages whose images come inside messages. */
  imgSrc?: 'extension' | 'data:';
  /** <body data-view>, for bundles that serve several pages. */
  view?: string;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function webviewPageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    `default-src 'none'`,
    `img-src ${page.imgSrc === 'data:' ? 'data:' : webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('dist', 'codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${asset('media', 'webviewBase.css')}">
<link rel="stylesheet" href="${asset('media', page.stylesheet)}">
<title>${escapeAttr(page.title)}</title>
</head>
<body${page.view ? ` data-view="${escapeAttr(page.view)}"` : ''}>
<main id="root"><p class="loading">${escapeAttr(page.loading)}</p></main>
<script nonce="${nonce}" src="${asset('dist', page.script)}"></script>
</body>
</html>`;
}
