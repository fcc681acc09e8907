// The virtualised tile grid: only the rows on screen (plus one screen ahead) exist as DOM nodes, so 10,000
// predictions scroll as smoothly as 100. Thumbnails are asked for when their tiles come into view, a page at
// a time, and arrive as webview URIs. Keyboard: arrows, Home/End, Page Up/Down move the active tile, Enter
// opens it. Right and wrong are told by an icon and words as well as by colour; invalid answers look apart.
import { codicon, el } from '../dom';
import type { ReviewTile } from './reviewMessages';
import { isFailed, isInvalid, isWrong } from './tileFilter';

const TILE_W = 172; // 160 px image + 12 px gap
const TILE_H = 226;
/** One caption line more when comparing: the second model's answer. */
const TILE_H_COMPARING = 243;
const OVERSCAN_ROWS = 2;

export interface Thumb {
  uri?: string;
  reason?: string;
}

export interface TileGridEvents {
  /** The active tile changed (arrows, click). */
  onSelect(index: number): void;
  /** Enter or a click: open the tile's details. */
  onActivate(index: number): void;
  /** Thumbnails wanted for these tiles (none asked twice). */
  requestThumbs(indices: number[]): void;
}

export class TileGrid {
  readonly element: HTMLElement;
  private readonly canvas: HTMLElement;
  private tiles: readonly ReviewTile[] = [];
  private order: readonly number[] = [];
  private readonly thumbs = new Map<number, Thumb>();
  private readonly requested = new Set<number>();
  private readonly nodes = new Map<number, HTMLElement>();
  private columns = 1;
  /** Position in `order` of the active tile, -1 for none. */
  private active = -1;
  private frame = 0;
  private tileH = TILE_H;

  constructor(private readonly events: TileGridEvents, label: string) {
    this.canvas = el('div', { class: 'grid-canvas' });
    this.element = el('div', { class: 'grid-scroll', role: 'listbox', tabindex: '0', 'aria-label': label, 'aria-multiselectable': 'false' }, this.canvas);
    this.element.addEventListener('scroll', () => this.schedule());
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    this.element.addEventListener('click', (e) => {
      const node = (e.target as HTMLElement).closest<HTMLElement>('.tile');
      if (!node) return;
      const index = Number(node.dataset.index);
      this.setActive(this.order.indexOf(index), false);
      this.events.onActivate(index);
    });
    new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  /** New tiles or a new filter: keeps the active tile if it is still shown. */
  setData(tiles: readonly ReviewTile[], order: readonly number[]): void {
    const activeIndex = this.activeIndex();
    this.tiles = tiles;
    this.tileH = tiles.some((t) => t.other) ? TILE_H_COMPARING : TILE_H;
    this.order = order;
    this.active = activeIndex === undefined ? -1 : order.indexOf(activeIndex);
    for (const node of this.nodes.values()) node.remove();
    this.nodes.clear();
    this.element.scrollTop = 0;
    this.render();
  }

  /** One tile changed (moved to another class): redrawn in place. */
  refreshTile(index: number): void {
    this.nodes.get(index)?.remove();
    this.nodes.delete(index);
    this.render();
  }

  /** A tile's thumbnail URI once it has arrived (other lists show it too). */
  thumbUri(index: number): string | undefined {
    return this.thumbs.get(index)?.uri;
  }

  /** Asks for thumbnails of tiles shown elsewhere (the label-error list), each once. */
  wantThumbs(indices: readonly number[]): void {
    const missing = indices.filter((i) => !this.thumbs.has(i) && !this.requested.has(i));
    for (const i of missing) this.requested.add(i);
    if (missing.length) this.events.requestThumbs(missing);
  }

  setThumbs(items: readonly ({ index: number } & Thumb)[]): void {
    for (const item of items) {
      this.thumbs.set(item.index, item);
      const node = this.nodes.get(item.index);
      if (node) node.querySelector('.thumb')!.replaceWith(this.thumbNode(item.index));
    }
  }

  activeIndex(): number | undefined {
    return this.active >= 0 ? this.order[this.active] : undefined;
  }

  /** Selects a tile by its index in the tile list (e.g. from the label-error list) and scrolls to it. */
  select(index: number): void {
    const pos = this.order.indexOf(index);
    if (pos >= 0) this.setActive(pos, true);
  }

  focus(): void {
    this.element.focus();
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => ((this.frame = 0), this.render()));
  }

  /** Creates the nodes of the rows in view, drops the others, and asks for the thumbnails they lack. */
  render(): void {
    const width = this.element.clientWidth || TILE_W;
    const columns = Math.max(1, Math.floor(width / TILE_W));
    const reflowed = columns !== this.columns;
    this.columns = columns;
    const rows = Math.ceil(this.order.length / this.columns);
    this.canvas.style.height = `${rows * this.tileH}px`;
    // A narrower grid (the detail pane opened) moves every tile: keep the active one on screen.
    if (reflowed && this.active >= 0) this.scrollIntoView(this.active);
    const first = Math.max(0, Math.floor(this.element.scrollTop / this.tileH) - OVERSCAN_ROWS);
    const visibleRows = Math.ceil((this.element.clientHeight || this.tileH * 4) / this.tileH);
    const last = Math.min(rows, first + visibleRows + OVERSCAN_ROWS * 2);
    const wanted = new Set<number>();
    for (let pos = first * this.columns; pos < Math.min(this.order.length, last * this.columns); pos++) wanted.add(this.order[pos]!);
    for (const [index, node] of this.nodes) {
      if (!wanted.has(index)) {
        node.remove();
        this.nodes.delete(index);
      }
    }
    const fragment = document.createDocumentFragment();
    const missing: number[] = [];
    for (let pos = first * this.columns; pos < Math.min(this.order.length, last * this.columns); pos++) {
      const index = this.order[pos]!;
      let node = this.nodes.get(index);
      if (!node) {
        node = this.tileNode(index);
        this.nodes.set(index, node);
        fragment.appendChild(node);
      }
      node.style.transform = `translate(${(pos % this.columns) * TILE_W}px, ${Math.floor(pos / this.columns) * this.tileH}px)`;
      node.setAttribute('aria-posinset', String(pos + 1));
      node.setAttribute('aria-setsize', String(this.order.length));
      node.setAttribute('aria-selected', String(pos === this.active));
      node.classList.toggle('active', pos === this.active);
      if (!this.thumbs.has(index) && !this.requested.has(index)) missing.push(index);
    }
    this.canvas.appendChild(fragment);
    if (missing.length) {
      for (const i of missing) this.requested.add(i);
      this.events.requestThumbs(missing);
    }
    const activeIndex = this.activeIndex();
    if (activeIndex !== undefined) this.element.setAttribute('aria-activedescendant', `tile-${activeIndex}`);
    else this.element.removeAttribute('aria-activedescendant');
  }

  private tileNode(index: number): HTMLElement {
    const t = this.tiles[index]!;
    const review = t.predicted !== undefined;
    const status = !review ? 'plain' : isFailed(t) ? 'failed' : isInvalid(t) ? 'invalid' : isWrong(t) ? 'wrong' : 'correct';
    const truthClass = t.movedTo ?? t.truth;
    const lines: HTMLElement[] = [el('div', { class: 'name', title: t.path }, t.name)];
    if (!review) lines.push(el('div', { class: 'label' }, truthClass));
    else {
      lines.push(el('div', { class: 'label truth' }, el('span', { class: 'key' }, 'true '), truthClass));
      const answer = t.failed ? 'no answer' : t.predicted === null ? (t.said ? `“${t.said}”` : 'no label') : t.predicted!;
      lines.push(
        el(
          'div',
          { class: `label predicted ${status}` },
          codicon(status === 'correct' ? 'pass' : status === 'wrong' ? 'error' : status === 'failed' ? 'debug-disconnect' : 'question'),
          el('span', { class: 'key' }, status === 'invalid' ? ' invalid ' : status === 'wrong' ? ' wrong ' : status === 'failed' ? ' failed ' : ' ok '),
          answer,
        ),
      );
      if (t.other) {
        const o = t.other;
        const otherStatus = o.failed || !o.valid ? 'invalid' : o.predicted === truthClass ? 'correct' : 'wrong';
        lines.push(el('div', { class: 'label other' }, el('span', { class: 'key' }, `2nd ${otherStatus === 'correct' ? 'ok' : otherStatus} `), o.failed ? 'no answer' : o.predicted ?? 'no label'));
      }
    }
    const description = review
      ? `${t.name}: true ${truthClass}, ${status === 'failed' ? 'no answer (request failed)' : status === 'invalid' ? 'invalid answer' : `predicted ${t.predicted}`}${status === 'wrong' ? ', wrong' : status === 'correct' ? ', correct' : ''}`
      : `${t.name}, class ${truthClass}`;
    return el(
      'div',
      { class: `tile ${status}${t.movedTo ? ' moved' : ''}`, role: 'option', id: `tile-${index}`, 'data-index': String(index), 'aria-label': description, title: t.path },
      this.thumbNode(index),
      ...lines,
    );
  }

  private thumbNode(index: number): HTMLElement {
    const thumb = this.thumbs.get(index);
    if (thumb?.uri) return el('div', { class: 'thumb' }, el('img', { src: thumb.uri, alt: '', loading: 'lazy', decoding: 'async' }));
    if (thumb?.reason) return el('div', { class: 'thumb broken', title: thumb.reason }, codicon('file-media'), el('span', {}, 'no preview'));
    return el('div', { class: 'thumb pending' });
  }

  private setActive(pos: number, scroll: boolean): void {
    if (!this.order.length) return;
    this.active = Math.max(0, Math.min(this.order.length - 1, pos));
    if (scroll) this.scrollIntoView(this.active);
    this.render();
    this.events.onSelect(this.order[this.active]!);
  }

  private scrollIntoView(pos: number): void {
    const top = Math.floor(pos / this.columns) * this.tileH;
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + this.tileH > this.element.scrollTop + this.element.clientHeight) this.element.scrollTop = top + this.tileH - this.element.clientHeight;
  }

  private onKey(e: KeyboardEvent): void {
    const page = this.columns * Math.max(1, Math.floor(this.element.clientHeight / this.tileH));
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: this.columns, ArrowUp: -this.columns, PageDown: page, PageUp: -page };
    if (e.key in moves) this.setActive(this.active < 0 ? 0 : this.active + moves[e.key]!, true);
    else if (e.key === 'Home') this.setActive(0, true);
    else if (e.key === 'End') this.setActive(this.order.length - 1, true);
    else if (e.key === 'Enter' && this.active >= 0) this.events.onActivate(this.order[this.active]!);
    else return;
    e.preventDefault();
  }
}
