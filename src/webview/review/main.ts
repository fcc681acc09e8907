// Entry of the review bundle (dist/review.js): the review of an evaluation (tiles with true and predicted
// labels, confusion matrix, per-class table, comparison, suspected label errors) and, without predictions,
// the image gallery of a dataset. It says "ready", draws whatever view the host sends, and keeps its filters,
// tab and selection with setState so a hidden-and-shown or reloaded panel comes back as it was.
import { boolean, literal, number, object, optional, string, union, enum as oneOf, type infer as Infer } from 'zod/mini';
import { codicon, el } from '../dom';
import { classTable, type ClassSort } from './classTable';
import { compareSummary, labelErrorList, percent } from './comparePane';
import { confusedPairsList, confusionMatrix, type MatrixScale } from './confusionMatrix';
import { detailPane } from './detailPane';
import { reviewHostToWebviewSchema, type ReviewHostToWebview, type ReviewView, type ReviewWebviewToHost } from './reviewMessages';
import { TileGrid } from './tileGrid';
import { describeFilter, filterTiles, INVALID_COLUMN, NO_FILTER, STATUS_LABELS, STATUSES, type TileFilter, type TileStatus } from './tileFilter';
import { renderedMark } from './renderedMark';

declare function acquireVsCodeApi(): { postMessage(msg: unknown): void; getState(): unknown; setState(state: unknown): void };

const TABS = ['tiles', 'insights', 'compare', 'labelErrors'] as const;
type Tab = (typeof TABS)[number];
const TAB_LABELS: Record<Tab, string> = { tiles: 'Tiles', insights: 'Matrix & classes', compare: 'Compare', labelErrors: 'Suspected label errors' };

const savedStateSchema = object({
  key: string(),
  tab: optional(oneOf(TABS)),
  filter: optional(object({ status: oneOf(STATUSES), truth: string(), predicted: string(), search: string() })),
  scale: optional(union([literal('counts'), literal('rows')])),
  sort: optional(object({ key: oneOf(['class', 'support', 'precision', 'recall', 'f1', 'otherF1', 'delta']), descending: boolean() })),
  selected: optional(number()),
});
type SavedState = Infer<typeof savedStateSchema>;
type Detail = Extract<ReviewHostToWebview, { type: 'detail' }>;

const api = acquireVsCodeApi();
const send = (msg: ReviewWebviewToHost) => api.postMessage(msg);
const root = document.getElementById('root')!;

let view: ReviewView | undefined;
let tab: Tab = 'tiles';
let filter: TileFilter = { ...NO_FILTER };
let scale: MatrixScale = 'counts';
let sort: ClassSort = { key: 'f1', descending: false };
let selected: number | undefined;
const details = new Map<number, Detail>();

const saved = savedStateSchema.safeParse(api.getState());
if (saved.success) {
  tab = saved.data.tab ?? tab;
  filter = saved.data.filter ?? filter;
  scale = saved.data.scale ?? scale;
  sort = saved.data.sort ?? sort;
  selected = saved.data.selected;
}

const grid = new TileGrid(
  {
    onSelect: () => undefined,
    onActivate: (index) => openDetail(index),
    requestThumbs: (indices) => {
      for (let i = 0; i < indices.length; i += 300) send({ type: 'thumbs', indices: indices.slice(i, i + 300) });
    },
  },
  'Images',
);

const header = el('header', { class: 'head' });
const problems = el('div', { class: 'problems', role: 'status' });
const tabBar = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Review sections' });
const filterBar = el('div', { class: 'filters', role: 'search' });
const filterSummary = el('p', { class: 'filter-summary', 'aria-live': 'polite' });
const detailHost = el('div', { class: 'detail-host' });
const tilesPanel = el('section', { class: 'panel tiles-panel', role: 'tabpanel', id: 'panel-tiles' }, filterBar, filterSummary, el('div', { class: 'tiles-body' }, grid.element, detailHost));
const insightsPanel = el('section', { class: 'panel insights', role: 'tabpanel', id: 'panel-insights' });
const comparePanel = el('section', { class: 'panel', role: 'tabpanel', id: 'panel-compare' });
const labelErrorsPanel = el('section', { class: 'panel', role: 'tabpanel', id: 'panel-labelErrors' });
const panels: Record<Tab, HTMLElement> = { tiles: tilesPanel, insights: insightsPanel, compare: comparePanel, labelErrors: labelErrorsPanel };
root.replaceChildren(el('p', { class: 'muted loading' }, 'Loading…'));

function saveState(): void {
  if (view) api.setState({ key: view.key, tab, filter, scale, sort, selected } satisfies SavedState);
}

function availableTabs(): Tab[] {
  if (!view || view.mode === 'gallery' || !view.report) return ['tiles'];
  return view.compare ? [...TABS] : ['tiles', 'insights'];
}

function drawTabs(): void {
  const tabs = availableTabs();
  if (!tabs.includes(tab)) tab = 'tiles';
  tabBar.hidden = tabs.length < 2;
  tabBar.replaceChildren(
    ...tabs.map((t) => {
      const b = el('button', { role: 'tab', id: `tab-${t}`, 'aria-controls': `panel-${t}`, 'aria-selected': String(t === tab), tabindex: t === tab ? '0' : '-1', class: 'tab' }, TAB_LABELS[t]);
      b.addEventListener('click', () => switchTab(t));
      b.addEventListener('keydown', (e) => {
        const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
        if (!step) return;
        const next = tabs[(tabs.indexOf(t) + step + tabs.length) % tabs.length]!;
        switchTab(next);
        document.getElementById(`tab-${next}`)?.focus();
      });
      return b;
    }),
  );
  for (const t of TABS) panels[t].hidden = t !== tab;
}

function switchTab(t: Tab): void {
  tab = t;
  drawTabs();
  if (t === 'tiles') grid.render();
  saveState();
}

function drawHeader(v: ReviewView): void {
  const action = (icon: string, label: string, msg: ReviewWebviewToHost) => {
    const b = el('button', { class: 'secondary' }, codicon(icon), ` ${label}`);
    b.addEventListener('click', () => send(msg));
    return b;
  };
  const r = v.report;
  const figures = r
    ? el(
        'dl',
        { class: 'figures' },
        ...figure('Accuracy', percent(r.accuracy)),
        ...figure('Macro F1', r.macroF1.toFixed(3)),
        ...figure('Weighted F1', r.weightedF1.toFixed(3)),
        ...figure('Invalid answers', percent(r.invalidRate)),
        ...figure('Unparseable', percent(r.parseFailureRate)),
        ...(r.errorRate ? figure('Failed requests', percent(r.errorRate)) : []),
        ...figure('Images', String(r.total)),
        // Usage is known only for answers that reported it (imported labels have none): shown when there is some.
        ...(r.tokens.prompt + r.tokens.completion ? figure('Tokens in / out', `${r.tokens.prompt.toLocaleString('en-US')} / ${r.tokens.completion.toLocaleString('en-US')}`) : []),
        ...(r.cost !== null ? figure('Cost', `$${r.cost.toFixed(r.cost < 1 ? 4 : 2)}`) : []),
        ...(r.latencyMs ? figure('Latency p50 / p90', `${r.latencyMs.p50.toFixed(0)} / ${r.latencyMs.p90.toFixed(0)} ms`) : []),
      )
    : undefined;
  const actions = v.mode === 'review'
    ? el('div', { class: 'actions' }, v.canCompare ? action('diff', v.compare ? 'Compare With Another…' : 'Compare With…', { type: 'compare' }) : undefined, action('markdown', 'Export Markdown', { type: 'export', format: 'markdown' }), action('file-code', 'Export HTML', { type: 'export', format: 'html' }))
    : undefined;
  header.replaceChildren(el('div', {}, el('h1', {}, v.title), el('p', { class: 'subtitle' }, v.subtitle)), figures ?? '', actions ?? '');
  tilesPanel.classList.toggle('comparing', !!v.compare);
}

function figure(term: string, value: string): HTMLElement[] {
  return [el('div', {}, el('dt', {}, term), el('dd', {}, value))];
}

function drawFilters(v: ReviewView): void {
  const review = v.mode === 'review';
  const select = (label: string, value: string, options: [string, string][], onChange: (value: string) => void) => {
    const s = el('select', { 'aria-label': label }, ...options.map(([val, text]) => el('option', { value: val }, text)));
    s.value = value;
    s.addEventListener('change', () => onChange(s.value));
    return el('label', {}, el('span', {}, label), s);
  };
  const statuses = STATUSES.filter((s) => review && (v.compare || !['fixed', 'broken', 'labelErrors'].includes(s)));
  const classOptions: [string, string][] = [['', 'any'], ...v.classes.map((c): [string, string] => [c, c])];
  const search = el('input', { type: 'search', placeholder: 'File name contains…', 'aria-label': 'Search file names', value: filter.search });
  search.addEventListener('input', () => applyFilter({ ...filter, search: search.value }, false));
  const clear = el('button', { class: 'secondary', title: 'Show all tiles (Escape)' }, codicon('clear-all'), ' Clear filters');
  clear.addEventListener('click', () => applyFilter({ ...NO_FILTER }));
  filterBar.replaceChildren(
    ...(review ? [select('Show', filter.status, statuses.map((s): [string, string] => [s, STATUS_LABELS[s]]), (s) => applyFilter({ ...filter, status: s as TileStatus }))] : []),
    select(review ? 'True class' : 'Class', filter.truth, classOptions, (c) => applyFilter({ ...filter, truth: c })),
    ...(review ? [select('Predicted', filter.predicted, [...classOptions, [INVALID_COLUMN, 'invalid answer']], (c) => applyFilter({ ...filter, predicted: c }))] : []),
    el('label', { class: 'search' }, el('span', {}, 'Name'), search),
    clear,
  );
}

function applyFilter(next: TileFilter, redrawBar = true): void {
  filter = next;
  if (!view) return;
  const c = view.compare;
  const order = filterTiles(view.tiles, filter, { fixed: c?.fixed, broken: c?.broken, labelErrors: c?.labelErrors.map((e) => e.index) });
  grid.setData(view.tiles, order);
  const words = describeFilter(filter);
  filterSummary.textContent = `Showing ${order.length} of ${view.tiles.length} images${words ? ` — ${words}` : ''}`;
  if (redrawBar) drawFilters(view);
  saveState();
}

function drawInsights(v: ReviewView): void {
  const r = v.report;
  if (!r) return insightsPanel.replaceChildren();
  const scaleButtons = (['counts', 'rows'] as const).map((s) => {
    const b = el('button', { class: scale === s ? 'toggle on' : 'toggle', 'aria-pressed': String(scale === s) }, s === 'counts' ? 'Counts' : 'Row %');
    b.addEventListener('click', () => ((scale = s), drawInsights(v), saveState()));
    return b;
  });
  const showCell = (truth: string, predicted: string) => {
    applyFilter({ status: 'all', truth, predicted, search: '' });
    switchTab('tiles');
  };
  insightsPanel.replaceChildren(
    el('div', { class: 'matrix-head' }, el('h2', {}, 'Confusion matrix'), el('div', { class: 'toggles', role: 'group', 'aria-label': 'Matrix scale' }, ...scaleButtons)),
    el('p', { class: 'muted' }, 'Rows are the true class, columns the answer. Click a cell to see exactly its images.'),
    confusionMatrix(r, v.classes, scale, showCell),
    el('h2', {}, 'Most confused pairs'),
    confusedPairsList(v.confusedPairs, showCell),
    el('h2', {}, 'Per class'),
    classTable(r, v.classes, v.compare?.report, sort, {
      onSort: (s) => ((sort = s), drawInsights(v), drawCompare(v), saveState()),
      onClass: (name) => (applyFilter({ ...NO_FILTER, truth: name }), switchTab('tiles')),
    }),
  );
}

function drawCompare(v: ReviewView): void {
  if (!v.compare || !v.report) {
    comparePanel.replaceChildren();
    labelErrorsPanel.replaceChildren();
    return;
  }
  const show = (status: TileStatus) => (applyFilter({ ...NO_FILTER, status }), switchTab('tiles'));
  comparePanel.replaceChildren(
    el('h2', {}, `${v.title} → ${v.compare.label}`),
    compareSummary(v.report, v.title, v.compare, show),
    el('h2', {}, 'Per class'),
    classTable(v.report, v.classes, v.compare.report, sort, {
      onSort: (s) => ((sort = s), drawInsights(v), drawCompare(v), saveState()),
      onClass: (name) => (applyFilter({ ...NO_FILTER, truth: name }), switchTab('tiles')),
    }),
  );
  labelErrorsPanel.replaceChildren(
    el('h2', {}, `Suspected label errors (${v.compare.labelErrors.length})`),
    labelErrorList(v.tiles, v.compare, {
      show: (index) => (applyFilter({ ...NO_FILTER, status: 'labelErrors' }), switchTab('tiles'), grid.select(index), openDetail(index)),
      move: (index, to) => send({ type: 'move', index, to }),
      undoMove: (index) => send({ type: 'undoMove', index }),
      showAll: () => show('labelErrors'),
    }, (index) => grid.thumbUri(index)),
  );
  grid.wantThumbs(v.compare.labelErrors.map((e) => e.index));
}

function openDetail(index: number): void {
  selected = index;
  if (!details.has(index)) send({ type: 'detail', index });
  drawDetail();
  saveState();
}

function closeDetail(): void {
  selected = undefined;
  drawDetail();
  saveState();
  grid.focus();
}

function drawDetail(): void {
  const tile = selected === undefined ? undefined : view?.tiles[selected];
  tilesPanel.classList.toggle('with-detail', !!tile);
  if (!view || !tile || selected === undefined) return detailHost.replaceChildren();
  const index = selected;
  const suggestion = view.compare?.labelErrors.find((e) => e.index === index)?.agreed ?? (tile.predicted && tile.valid ? tile.predicted : undefined);
  detailHost.replaceChildren(
    detailPane(index, tile, details.get(index), view.classes, suggestion, {
      open: (i) => send({ type: 'open', index: i }),
      reveal: (i) => send({ type: 'reveal', index: i }),
      move: (i, to) => send({ type: 'move', index: i, to }),
      undoMove: (i) => send({ type: 'undoMove', index: i }),
      close: closeDetail,
    }),
  );
}

function drawView(v: ReviewView): void {
  const first = !view;
  view = v;
  details.clear();
  if (selected !== undefined && selected >= v.tiles.length) selected = undefined;
  problems.replaceChildren(...v.problems.map((p) => el('p', {}, codicon('warning'), ' ', p)));
  problems.hidden = !v.problems.length;
  if (first) root.replaceChildren(header, problems, tabBar, tilesPanel, insightsPanel, comparePanel, labelErrorsPanel);
  drawHeader(v);
  drawTabs();
  drawInsights(v);
  drawCompare(v);
  applyFilter(filter);
  drawDetail();
  if (selected !== undefined) send({ type: 'detail', index: selected });
  renderedMark(v.tiles.length);
}

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = reviewHostToWebviewSchema.safeParse(event.data);
  if (!parsed.success) return; // not ours, or malformed: never draw unvalidated data
  const msg = parsed.data;
  if (msg.type === 'view') drawView(msg.view);
  else if (msg.type === 'thumbs') {
    grid.setThumbs(msg.items);
    // The label-error list shows the same thumbnails, small.
    for (const item of msg.items) {
      const slot = item.uri ? labelErrorsPanel.querySelector(`span.mini[data-index="${item.index}"]`) : null;
      slot?.replaceWith(el('img', { class: 'mini', src: item.uri!, alt: '', 'data-index': String(item.index) }));
    }
  }
  else if (msg.type === 'detail') {
    details.set(msg.index, msg);
    if (msg.index === selected) drawDetail();
  } else if (msg.type === 'moved' && view) {
    const tile = view.tiles[msg.index];
    if (!tile) return;
    if (msg.to) tile.movedTo = msg.to;
    else delete tile.movedTo;
    details.delete(msg.index);
    grid.refreshTile(msg.index);
    drawCompare(view);
    if (selected === msg.index) openDetail(msg.index);
  } else if (msg.type === 'error') {
    root.replaceChildren(el('p', { class: 'failure', role: 'alert' }, msg.message));
    view = undefined;
  }
});

document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || !view) return;
  if (selected !== undefined) closeDetail();
  else if (describeFilter(filter)) applyFilter({ ...NO_FILTER });
});

send({ type: 'ready' });
