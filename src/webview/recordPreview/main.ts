// The record preview page (dist/recordPreview.js): one JSONL record at a time — the image, each message's text
// and the answer with its label — with Previous / Next, a line number box, and "Open as Text" for the raw line.
// Everything shown is set through textContent (dom.ts); images are data: URLs the host checked to be rasters.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { el, custom, codicon } from '../dom';
import { recordHostMessageSchema, type RecordHostMessage, type RecordPageMessage } from './recordPreviewMessages';

declare function acquireVsCodeApi(): { postMessage(msg: unknown): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;
const post = (m: RecordPageMessage) => vscode.postMessage(m);
// A Map: the role is text from the file being previewed ("constructor" must not find Object's function).
const ROLE_ICON = new Map([['system', 'settings-gear'], ['user', 'account'], ['assistant', 'hubot']]);

function button(label: string, icon: string, onClick: () => void, opts: { secondary?: boolean; disabled?: boolean; title?: string } = {}): HTMLElement {
  const b = custom('vscode-button', { icon, ...(opts.secondary ? { secondary: '' } : {}), ...(opts.disabled ? { disabled: '' } : {}), title: opts.title ?? label }, label);
  b.addEventListener('click', () => !opts.disabled && onClick());
  return b;
}

function render(msg: Extract<RecordHostMessage, { type: 'record' }>): void {
  const r = msg.record;
  vscode.setState({ line: r.line });
  const lineBox = el('input', { type: 'number', min: '1', max: String(r.totalLines), value: String(r.line), 'aria-label': 'Line number', class: 'line-box' });
  lineBox.addEventListener('change', () => {
    const n = Math.trunc(Number(lineBox.value));
    if (n >= 1 && n <= r.totalLines) post({ type: 'show', line: n });
  });
  const toolbar = el('div', { class: 'toolbar', role: 'toolbar' },
    button('Previous', 'arrow-left', () => post({ type: 'show', line: r.line - 1 }), { secondary: true, disabled: r.line <= 1, title: 'Previous record' }),
    el('label', { class: 'position' }, 'Record ', lineBox, ` of ${r.totalLines.toLocaleString('en-US')}`),
    button('Next', 'arrow-right', () => post({ type: 'show', line: r.line + 1 }), { secondary: true, disabled: r.line >= r.totalLines, title: 'Next record' }),
    el('span', { class: 'spacer' }),
    button('Open as Text', 'file-code', () => post({ type: 'openRaw' }), { secondary: true, title: 'Open this file in the text editor (the raw JSON lines)' }),
  );
  const heading = el('h1', {}, msg.fileName);
  const facts = el('p', { class: 'facts' },
    r.kind === 'unknown' ? '' : r.kind,
    r.customId !== undefined ? ` · custom_id ${r.customId}` : '',
    msg.source ? ` · from ${msg.source.path} (class ${msg.source.class})` : '');

  const body = el('div', { class: 'record' });
  if (r.problem) body.append(el('p', { class: 'problem' }, codicon('warning', 'problemsWarningIcon.foreground'), ' ', r.problem));
  for (const m of r.messages) {
    const card = el('section', { class: `message role-${/^[a-z]+$/.test(m.role) ? m.role : 'other'}` },
      el('h2', {}, codicon(ROLE_ICON.get(m.role) ?? 'comment'), ' ', m.role));
    for (const src of m.images) card.append(el('img', { src, alt: `Image of the ${m.role} message`, class: 'tile' }));
    for (const why of m.unshown) card.append(el('p', { class: 'note' }, `Not shown: ${why}.`));
    if (m.text) card.append(el('pre', { class: 'text' }, m.text));
    body.append(card);
  }
  if (r.answer) {
    const label = r.answer.label ?? '(no label found in the answer)';
    body.append(el('section', { class: 'answer' },
      el('h2', {}, codicon('tag'), ' Answer'),
      el('p', {}, 'Label: ', custom('vscode-badge', { variant: 'counter' }, label),
        r.answer.inClassList ? '' : el('span', { class: 'note' }, ' — not one of the run\'s classes')),
      r.answer.description ? el('p', { class: 'description' }, r.answer.description) : ''));
  }
  root.replaceChildren(toolbar, heading, facts, body);
}

window.addEventListener('message', (event) => {
  const parsed = recordHostMessageSchema.safeParse(event.data);
  if (!parsed.success) return;
  const msg = parsed.data;
  if (msg.type === 'record') render(msg);
  else root.replaceChildren(el('p', { class: 'problem' }, codicon('error', 'errorForeground'), ' ', msg.message));
});
// Back where the page was after it was hidden and shown again.
const saved = vscode.getState() as { line?: unknown } | undefined;
post({ type: 'ready' });
if (typeof saved?.line === 'number' && saved.line > 1) post({ type: 'show', line: saved.line });
