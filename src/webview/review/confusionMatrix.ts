// The confusion matrix as a heat map (rows: truth, columns: prediction plus "invalid"), in counts or
// row-normalised, and the most confused pairs of classes. Every cell is a button: a click (or Enter) asks
// the grid for exactly that cell's tiles. Labels are text nodes; the heat is a CSS variable, not a colour
// alone — each cell also shows its number.
import { el } from '../dom';
import type { ReviewReport, ReviewView } from './reviewMessages';

type ConfusedPair = ReviewView['confusedPairs'][number];
import { INVALID_COLUMN } from './tileFilter';

export type MatrixScale = 'counts' | 'rows';

export function confusionMatrix(
  report: ReviewReport,
  classes: readonly string[],
  scale: MatrixScale,
  onCell: (truth: string, predicted: string) => void,
): HTMLElement {
  const labels = report.confusion.labels;
  const matrix = report.confusion.matrix;
  const max = Math.max(1, ...matrix.flat());
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col', class: 'corner' }, el('span', { class: 'axis' }, 'true ↓ / predicted →')),
    ...labels.map((l) => el('th', { scope: 'col', class: l === INVALID_COLUMN ? 'col invalid' : 'col', title: l }, el('span', {}, l))),
  );
  const body = classes.map((truth, r) => {
    const row = matrix[r] ?? [];
    const rowTotal = row.reduce((a, b) => a + b, 0);
    return el(
      'tr',
      {},
      el('th', { scope: 'row', title: truth }, truth),
      ...labels.map((predicted, c) => {
        const count = row[c] ?? 0;
        const share = rowTotal ? count / rowTotal : 0;
        const heat = scale === 'rows' ? share : count / max;
        const text = scale === 'rows' ? (count ? `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%` : '0') : String(count);
        const button = el(
          'button',
          {
            class: `cell${c === r ? ' diagonal' : ''}${predicted === INVALID_COLUMN ? ' invalid' : ''}${count ? '' : ' empty'}`,
            'data-truth': truth,
            'data-predicted': predicted,
            'aria-label': `true ${truth}, predicted ${predicted}: ${count} image${count === 1 ? '' : 's'} (${(share * 100).toFixed(1)}% of ${truth})`,
            title: `true ${truth} → predicted ${predicted}: ${count} (${(share * 100).toFixed(1)}% of the row)`,
          },
          text,
        );
        button.style.setProperty('--heat', heat.toFixed(3));
        if (heat > 0.55) button.classList.add('hot');
        button.addEventListener('click', () => onCell(truth, predicted));
        return el('td', {}, button);
      }),
    );
  });
  return el('div', { class: 'matrix-wrap' }, el('table', { class: 'matrix', 'aria-label': 'Confusion matrix' }, el('thead', {}, head), el('tbody', {}, ...body)));
}

/** The pairs of classes mixed up most; each direction is a button that shows exactly those tiles. */
export function confusedPairsList(pairs: readonly ConfusedPair[], onPick: (truth: string, predicted: string) => void): HTMLElement {
  if (!pairs.length) return el('p', { class: 'muted' }, 'No two classes were mixed up.');
  const direction = (truth: string, predicted: string, count: number) => {
    const button = el('button', { class: 'link', 'aria-label': `Show the ${count} ${truth} images predicted as ${predicted}` }, `${truth} → ${predicted}: ${count}`);
    button.disabled = count === 0;
    button.addEventListener('click', () => onPick(truth, predicted));
    return button;
  };
  return el(
    'ol',
    { class: 'pairs' },
    ...pairs.map((p) => el('li', {}, el('strong', {}, p.a), ' ↔ ', el('strong', {}, p.b), el('span', { class: 'muted' }, ` ${p.total} image${p.total === 1 ? '' : 's'}: `), direction(p.a, p.b, p.aAsB), ' · ', direction(p.b, p.a, p.bAsA))),
  );
}
