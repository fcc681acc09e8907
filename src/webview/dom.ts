// A tiny DOM builder for the webviews. Text always goes in through textContent, never innerHTML:
// everything shown comes from a server or from user folders (a folder may be named `<img onerror=…>`).

type Child = Node | string | undefined | null | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  append(node, ...children);
  return node;
}

/** A custom element (vscode-elements) by tag name. */
export function custom(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** A codicon; `name` comes from our own status table, but is still checked to be a plain id. */
export function codicon(name: string, color?: string): HTMLElement {
  const safe = /^[a-z0-9-]+(~spin)?$/.test(name) ? name : 'question';
  const [id, spin] = safe.split('~');
  const span = el('span', { class: `codicon codicon-${id}${spin ? ' codicon-modifier-spin' : ''}`, 'aria-hidden': 'true' });
  if (color) span.style.color = themeColorVar(color);
  return span;
}

/** "charts.blue" → "var(--vscode-charts-blue)"; ids that are not plain are dropped. */
export function themeColorVar(id: string): string {
  return /^[A-Za-z0-9.]+$/.test(id) ? `var(--vscode-${id.replace(/\./g, '-')})` : '';
}

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}
