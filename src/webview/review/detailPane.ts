// The detail pane of one tile: the image large, the model's raw answer and description (as text, in a <pre>),
// the path with Open and Reveal in Explorer, the second model's answer when comparing, and "Move to class"
// for an image whose folder looks wrong. The host fills in the image and the answer text on request.
import { codicon, el } from '../dom';
import type { ReviewHostToWebview, ReviewTile } from './reviewMessages';
import { isInvalid, isWrong } from './tileFilter';

type Detail = Extract<ReviewHostToWebview, { type: 'detail' }>;

export interface DetailActions {
  open(index: number): void;
  reveal(index: number): void;
  move(index: number, to: string): void;
  undoMove(index: number): void;
  close(): void;
}

export function detailPane(
  index: number,
  tile: ReviewTile,
  detail: Detail | undefined,
  classes: readonly string[],
  suggestion: string | undefined,
  actions: DetailActions,
): HTMLElement {
  const review = tile.predicted !== undefined;
  const button = (icon: string, label: string, onClick: () => void, cls = 'secondary') => {
    const b = el('button', { class: cls }, codicon(icon), ` ${label}`);
    b.addEventListener('click', onClick);
    return b;
  };
  const close = el('button', { class: 'icon close', 'aria-label': 'Close details (Escape)', title: 'Close (Escape)' }, codicon('close'));
  close.addEventListener('click', actions.close);

  const image = detail?.imageUri
    ? el('img', { class: 'large', src: detail.imageUri, alt: `Image ${tile.name}` })
    : el('div', { class: 'large placeholder' }, detail ? 'The image cannot be shown.' : 'Loading…');

  const facts: HTMLElement[][] = [fact('True class', tile.movedTo ? `${tile.movedTo} (moved from ${tile.truth})` : tile.truth)];
  if (review) {
    const verdict = tile.failed ? 'no answer (request failed)' : isInvalid(tile) ? `invalid answer${tile.said ? ` (“${tile.said}”)` : ' (no label could be read)'}` : isWrong(tile) ? `${tile.predicted} — wrong` : `${tile.predicted} — correct`;
    facts.push(fact('Predicted', verdict));
    if (tile.other) {
      const o = tile.other;
      facts.push(fact('Second model', o.failed ? 'no answer' : !o.valid ? `invalid answer${o.predicted ? ` (${o.predicted})` : ''}` : `${o.predicted}${o.predicted === tile.truth ? ' — correct' : ' — wrong'}`));
    }
  }
  const text = (title: string, value: string | undefined) => (value ? el('section', {}, el('h3', {}, title), el('pre', { class: 'raw' }, value)) : undefined);

  const moveTo = el('select', { 'aria-label': 'Class folder to move this image to' }, ...classes.filter((c) => c !== (tile.movedTo ?? tile.truth)).map((c) => el('option', { value: c }, c)));
  if (suggestion && suggestion !== (tile.movedTo ?? tile.truth)) moveTo.value = suggestion;
  const move = tile.movedTo
    ? el('div', { class: 'move' }, button('discard', 'Undo move', () => actions.undoMove(index)))
    : el('div', { class: 'move' }, moveTo, button('move', 'Move to class', () => actions.move(index, moveTo.value)));

  return el(
    'aside',
    { class: 'detail', 'aria-label': `Details of ${tile.name}` },
    el('div', { class: 'detail-head' }, el('h2', {}, tile.name), close),
    image,
    el('dl', {}, ...facts.flat()),
    el('p', { class: 'path' }, el('code', {}, tile.path)),
    el('div', { class: 'actions' }, button('go-to-file', 'Open', () => actions.open(index)), button('files', 'Reveal in Explorer', () => actions.reveal(index))),
    text('Error', detail?.error),
    text('Answer', detail?.raw),
    text('Description', detail?.description),
    text('Second model’s answer', detail?.otherRaw),
    classes.length > 1 ? move : undefined,
  );
}

function fact(term: string, value: string): HTMLElement[] {
  return [el('dt', {}, term), el('dd', {}, value)];
}
