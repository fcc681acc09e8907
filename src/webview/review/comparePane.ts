// Compare two evaluations of the same run: the overall figures side by side with their change, the tiles the
// second model fixed and broke (each a button that shows them in the grid), and the suspected label errors —
// images both models put in the same other class — each with "Move to class <x>".
import { codicon, el } from '../dom';
import { deltaCell } from './classTable';
import type { ReviewReport, ReviewTile, ReviewView } from './reviewMessages';

type Comparison = NonNullable<ReviewView['compare']>;

export function compareSummary(
  first: ReviewReport,
  firstLabel: string,
  comparison: Comparison,
  show: (what: 'fixed' | 'broken') => void,
): HTMLElement {
  const second = comparison.report;
  const rows: [string, number, number, boolean, (x: number) => string][] = [
    ['Accuracy', first.accuracy, second.accuracy, true, percent],
    ['Macro F1', first.macroF1, second.macroF1, true, f3],
    ['Weighted F1', first.weightedF1, second.weightedF1, true, f3],
    ['Invalid answers', first.invalidRate, second.invalidRate, false, percent],
  ];
  const table = el(
    'table',
    { class: 'overall', 'aria-label': 'Overall figures of both evaluations' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Metric'), el('th', { scope: 'col' }, firstLabel), el('th', { scope: 'col' }, comparison.label), el('th', { scope: 'col' }, 'Change'))),
    el(
      'tbody',
      {},
      ...rows.map(([name, a, b, higherIsBetter, format]) => {
        const cell = deltaCell(b - a);
        // For rates where lower is better, the arrow words flip.
        if (!higherIsBetter) cell.classList.replace(b < a ? 'down' : 'up', b < a ? 'up' : 'down');
        return el('tr', {}, el('th', { scope: 'row' }, name), el('td', { class: 'num' }, format(a)), el('td', { class: 'num' }, format(b)), cell);
      }),
    ),
  );
  const link = (what: 'fixed' | 'broken', count: number, text: string) => {
    const b = el('button', { class: 'secondary' }, codicon(what === 'fixed' ? 'pass' : 'error'), ` ${count} ${text}`);
    b.disabled = count === 0;
    b.addEventListener('click', () => show(what));
    return b;
  };
  return el(
    'section',
    { class: 'compare' },
    table,
    el('div', { class: 'actions' }, link('fixed', comparison.fixed.length, 'fixed by the second model'), link('broken', comparison.broken.length, 'broken by the second model')),
  );
}

export function labelErrorList(
  tiles: readonly ReviewTile[],
  comparison: Comparison,
  actions: { show(index: number): void; move(index: number, to: string): void; undoMove(index: number): void; showAll(): void },
  thumbUri: (index: number) => string | undefined,
): HTMLElement {
  if (!comparison.labelErrors.length) {
    return el('p', { class: 'muted' }, 'No image has both models agreeing on another class than its folder.');
  }
  const all = el('button', { class: 'secondary' }, codicon('filter'), ' Show them all in the grid');
  all.addEventListener('click', actions.showAll);
  const rows = comparison.labelErrors.map(({ index, agreed }) => {
    const t = tiles[index]!;
    const uri = thumbUri(index);
    const show = el('button', { class: 'link', title: t.path }, uri ? el('img', { class: 'mini', src: uri, alt: '', 'data-index': String(index) }) : el('span', { class: 'mini', 'data-index': String(index) }), t.name);
    show.addEventListener('click', () => actions.show(index));
    const move = t.movedTo
      ? el('button', { class: 'secondary' }, codicon('discard'), ` Undo move to ${t.movedTo}`)
      : el('button', { class: 'primary' }, codicon('move'), ` Move to class ${agreed}`);
    move.addEventListener('click', () => (t.movedTo ? actions.undoMove(index) : actions.move(index, agreed)));
    return el(
      'tr',
      { 'data-index': String(index) },
      el('th', { scope: 'row' }, show),
      el('td', {}, t.truth),
      el('td', {}, agreed),
      el('td', {}, move),
    );
  });
  return el(
    'div',
    {},
    el('p', { class: 'muted' }, 'Both models agree on another class than the folder the image is in. Moving an image renames the file into that class folder; Undo puts it back.'),
    all,
    el(
      'table',
      { class: 'label-errors', 'aria-label': 'Suspected label errors' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Image'), el('th', { scope: 'col' }, 'Folder'), el('th', { scope: 'col' }, 'Both models say'), el('th', { scope: 'col' }, ''))),
      el('tbody', {}, ...rows),
    ),
  );
}

const f3 = (x: number) => x.toFixed(3);

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
