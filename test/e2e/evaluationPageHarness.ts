// A standalone page for the review webview (dist/review.js + media/review.css) with synthetic predictions: what
// bench/review.bench.ts measures in Chromium and test/e2e/evaluationPage.test.ts drives. The page stands in for the
// host: it answers "ready" with the view and thumbnail requests with one small image, as the extension does with
// cached thumbnails.
import type { ReviewReport, ReviewTile, ReviewView } from '../../src/webview/review/reviewMessages';

const CLASSES = ['airport', 'bareland', 'beach', 'bridge', 'denseresidential', 'forest', 'mediumresidential', 'playground', 'river', 'stadium'];
const INVALID = '(invalid)';

/** A seeded view of `n` predictions: about 85 % right, 3 % invalid, the rest confused with a neighbour class. */
export function syntheticView(n: number, seed = 7): ReviewView {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const tiles: ReviewTile[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES.length;
    const truth = CLASSES[c]!;
    const r = rand();
    const name = `${truth}_${String(Math.floor(i / CLASSES.length) + 1).padStart(4, '0')}.jpg`;
    if (r < 0.03) tiles.push({ name, path: `${truth}/${name}`, truth, predicted: r < 0.015 ? 'golf course' : null, valid: false });
    else tiles.push({ name, path: `${truth}/${name}`, truth, predicted: r < 0.88 ? truth : CLASSES[(c + 1 + Math.floor(rand() * 2)) % CLASSES.length]!, valid: true });
  }
  const labels = [...CLASSES, INVALID];
  const matrix = CLASSES.map(() => labels.map(() => 0));
  for (const t of tiles) matrix[CLASSES.indexOf(t.truth)]![t.valid ? CLASSES.indexOf(t.predicted!) : CLASSES.length]!++;
  const perClass: ReviewReport['perClass'] = {};
  CLASSES.forEach((c, k) => {
    const tp = matrix[k]![k]!;
    const support = matrix[k]!.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + row[k]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    perClass[c] = { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
  const correct = tiles.filter((t) => t.valid && t.predicted === t.truth).length;
  const macroF1 = Object.values(perClass).reduce((a, m) => a + m.f1, 0) / CLASSES.length;
  const report: ReviewReport = {
    total: n, accuracy: correct / n, macroPrecision: 0, macroRecall: 0, macroF1, weightedPrecision: 0, weightedRecall: 0, weightedF1: macroF1,
    invalidRate: tiles.filter((t) => !t.valid).length / n, parseFailureRate: 0, errorRate: 0, perClass,
    confusion: { labels, matrix }, tokens: { prompt: 0, completion: 0 }, cost: null, latencyMs: null,
  };
  const confusedPairs = [{ a: 'denseresidential', b: 'mediumresidential', aAsB: 12, bAsA: 9, total: 21 }, { a: 'playground', b: 'stadium', aAsB: 7, bAsA: 5, total: 12 }];
  return { key: 'bench', mode: 'review', title: 'pixtral-12b (synthetic)', subtitle: `${n} predictions`, classes: CLASSES, tiles, report, confusedPairs, problems: [], canCompare: true };
}

const THEME_VARS = `
  --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-descriptionForeground: #9d9d9d;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #fff; --vscode-button-secondaryBackground: #313131;
  --vscode-button-secondaryForeground: #ccc; --vscode-focusBorder: #0078d4; --vscode-errorForeground: #f85149;
  --vscode-editorWarning-foreground: #cca700; --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616;
  --vscode-editorWidget-border: #454545; --vscode-panel-border: #2b2b2b; --vscode-input-background: #313131;
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-editor-font-family: monospace;`;

/** The page: the webviews' base stylesheet and review.css, the view in a JSON script block, a stand-in for acquireVsCodeApi, then dist/review.js. */
export function reviewPageHtml(view: ReviewView, distDir: string, mediaDir: string): string {
  const thumb = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192"><rect width="192" height="192" fill="#4a7"/></svg>');
  const host = `
    const view = JSON.parse(document.getElementById('view').textContent);
    // Everything the page sends is kept in window.__sent and its state in window.__state (tests read them);
    // window.__initialState, set before the page loads, plays a panel restored with saved state.
    window.__sent = [];
    window.acquireVsCodeApi = () => ({
      getState: () => window.__initialState,
      setState: (state) => { window.__state = state; },
      postMessage: (msg) => (window.__sent.push(msg), setTimeout(() => {
        if (msg.type === 'ready') window.postMessage({ type: 'view', view }, '*');
        if (msg.type === 'thumbs') window.postMessage({ type: 'thumbs', items: msg.indices.map((index) => ({ index, uri: ${JSON.stringify(thumb)} })) }, '*');
      }, 0)),
    });`;
  return `<!DOCTYPE html><html><head><meta charset="UTF-8">
<link rel="stylesheet" href="file://${distDir}/codicon.css"><link rel="stylesheet" href="file://${mediaDir}/webviewBase.css"><link rel="stylesheet" href="file://${mediaDir}/review.css">
<style>body { ${THEME_VARS} }</style></head>
<body><main id="root"></main>
<script type="application/json" id="view">${JSON.stringify(view).replace(/</g, '\\u003c')}</script>
<script>${host}</script>
<script src="file://${distDir}/review.js"></script></body></html>`;
}
