// The per-class table: support, precision, recall and F1 with bars, sortable by any column (click a header,
// again to reverse). When comparing, the second model's F1 and the change are columns too. A class name is a
// button that filters the grid to that class.
import { el } from '../dom';
import type { ReviewReport } from './reviewMessages';

export type ClassSortKey = 'class' | 'support' | 'precision' | 'recall' | 'f1' | 'otherF1' | 'delta';
export interface ClassSort {
  key: ClassSortKey;
  descending: boolean;
}

interface Row {
  class: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
  otherF1?: number;
  delta?: number;
}

export function classTable(
  report: ReviewReport,
  classes: readonly string[],
  other: ReviewReport | undefined,
  sort: ClassSort,
  events: { onSort(sort: ClassSort): void; onClass(name: string): void },
): HTMLElement {
  const rows: Row[] = classes.map((c) => {
    const m = report.perClass[c] ?? { precision: 0, recall: 0, f1: 0, support: 0 };
    const o = other?.perClass[c];
    return { class: c, ...m, otherF1: o?.f1, delta: o ? o.f1 - m.f1 : undefined };
  });
  const dir = sort.descending ? -1 : 1;
  rows.sort((a, b) => {
    const x = a[sort.key];
    const y = b[sort.key];
    if (typeof x === 'string' || typeof y === 'string') return dir * String(x).localeCompare(String(y));
    return dir * ((x ?? -Infinity) - (y ?? -Infinity)) || a.class.localeCompare(b.class);
  });
  const columns: [ClassSortKey, string][] = [
    ['class', 'Class'],
    ['support', 'Support'],
    ['precision', 'Precision'],
    ['recall', 'Recall'],
    ['f1', other ? 'F1 (first)' : 'F1'],
    ...(other ? ([['otherF1', 'F1 (second)'], ['delta', 'Δ F1']] as [ClassSortKey, string][]) : []),
  ];
  const head = el(
    'tr',
    {},
    ...columns.map(([key, label]) => {
      const active = sort.key === key;
      const button = el('button', { class: 'sort' }, label, active ? (sort.descending ? ' ▼' : ' ▲') : '');
      button.addEventListener('click', () => events.onSort({ key, descending: active ? !sort.descending : key !== 'class' }));
      return el('th', { scope: 'col', 'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : 'none' }, button);
    }),
  );
  const body = rows.map((r) => {
    const name = el('button', { class: 'link', title: `Show the ${r.class} images` }, r.class);
    name.addEventListener('click', () => events.onClass(r.class));
    return el(
      'tr',
      {},
      el('th', { scope: 'row' }, name),
      el('td', { class: 'num' }, String(r.support)),
      barCell(r.precision),
      barCell(r.recall),
      barCell(r.f1),
      ...(other ? [barCell(r.otherF1 ?? 0), deltaCell(r.delta ?? 0)] : []),
    );
  });
  return el('table', { class: 'classes', 'aria-label': 'Per-class precision, recall and F1' }, el('thead', {}, head), el('tbody', {}, ...body));
}

function barCell(value: number): HTMLElement {
  const bar = el('span', { class: 'bar' });
  bar.style.setProperty('--v', Math.max(0, Math.min(1, value)).toFixed(3));
  return el('td', { class: 'num bar-cell' }, el('span', { class: 'value' }, value.toFixed(3)), el('span', { class: 'track', 'aria-hidden': 'true' }, bar));
}

export function deltaCell(delta: number, digits = 3): HTMLElement {
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const kind = delta > 1e-12 ? 'up' : delta < -1e-12 ? 'down' : 'same';
  return el('td', { class: `num delta ${kind}` }, `${sign}${Math.abs(delta).toFixed(digits)}`, el('span', { class: 'sr-only' }, kind === 'up' ? ' better' : kind === 'down' ? ' worse' : ' unchanged'));
}
