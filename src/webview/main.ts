// Entry of the webview bundle (dist/webview.js). Each webview page names itself with a `data-view`
// attribute on <body>; this picks the page's code. Nothing here imports core at run time.
import { startJobDetails } from './jobDetailsView';

declare function acquireVsCodeApi(): { postMessage(msg: unknown): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root');
const view = document.body.dataset.view;

if (root && view === 'jobDetails') startJobDetails(vscode, root);
