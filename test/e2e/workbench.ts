// Helpers that drive the VS Code workbench like a user: command palette, activity bar, tree views, context menus,
// quick picks, notifications and webviews. Selectors are those of VS Code 1.100 (code-server 4.100.3); they rely on
// roles and aria labels where the workbench provides them, because those are what screen readers (and users) see.
import type { Frame, Locator, Page } from 'playwright-core';

const DEFAULT_TIMEOUT = 30_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactText(text: string | RegExp): RegExp {
  return typeof text === 'string' ? new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) : text;
}

/** The quick input (palette, quick pick, input box) when it is open. */
export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** F1, type the command's title, Enter once it is the highlighted entry — as a user would. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const widget = quickInput(page);
  // The exact row, not a fuzzy neighbour ("Color Theme" also matches "Browse Color Themes…").
  const row = widget.locator('.quick-input-list .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: exactText(title) }),
  }).first();
  const deadline = Date.now() + DEFAULT_TIMEOUT;
  // Retried because a palette opened while extensions are still registering lists their commands only when
  // opened again, and because F1 is lost while focus is inside a webview's iframe.
  for (;;) {
    await dismissQuickInput(page);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('F1');
    try {
      await widget.waitFor({ state: 'visible', timeout: 3000 });
      await widget.locator('.quick-input-box input').fill(`>${title}`);
      await row.waitFor({ state: 'visible', timeout: 3000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`command "${title}" is not in the palette: ${String(err)}`);
    }
  }
  if ((await row.getAttribute('class'))?.split(/\s+/).includes('focused')) await page.keyboard.press('Enter');
  else await row.click();
}

/** Closes a quick input left open by an earlier step. */
export async function dismissQuickInput(page: Page): Promise<void> {
  if (await quickInput(page).isVisible().catch(() => false)) await page.keyboard.press('Escape');
}

/** Opens a view container from the activity bar by its title (no-op when it is already showing). */
export async function openView(page: Page, title: string): Promise<void> {
  const item = page.locator('.part.activitybar .action-item').filter({
    has: page.locator(`a.action-label[aria-label^="${title}"]`),
  }).first();
  await item.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  const selected = (await item.getAttribute('aria-selected')) === 'true' || (await item.getAttribute('class'))?.includes('checked');
  // Clicking the active container would collapse the side bar.
  if (!selected || !(await page.locator('.part.sidebar').isVisible())) await item.click();
  await page.locator('.part.sidebar .composite.title').filter({ hasText: new RegExp(escapeRegExp(title), 'i') })
    .first().waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
}

/** A view (pane) in the side bar by its title, e.g. "Datasets". */
export function viewPane(page: Page, viewTitle: string): Locator {
  return page.locator('.part.sidebar .pane').filter({
    has: page.locator('.pane-header .title', { hasText: exactText(viewTitle) }),
  }).first();
}

export interface TreeRow {
  /** The row's label text. */
  label: string;
  /** The description shown after the label (dimmed). */
  description: string;
  /** The aria-label screen readers announce (label, description, or the item's accessibility label). */
  ariaLabel: string;
  /** Depth in the tree, 1 for top-level items. */
  level: number;
  /** true/false for collapsible rows, undefined for leaves. */
  expanded: boolean | undefined;
  /** Classes of the row's icon element(s), e.g. ["codicon", "codicon-warning"]. */
  iconClasses: string[];
  /** Rendered icon colour as computed by the browser (for a ThemeIcon with a colour). */
  iconColor: string;
}

/** The rows currently rendered in a tree view, top to bottom. */
export async function treeRows(page: Page, viewTitle: string): Promise<TreeRow[]> {
  const pane = viewPane(page, viewTitle);
  await pane.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  return pane.locator('.pane-body .monaco-list-row').evaluateAll((rows) => rows
    .map((row) => {
      const el = row as HTMLElement;
      const icons = [...el.querySelectorAll('.custom-view-tree-node-item-icon, .monaco-icon-label .codicon')];
      const expanded = el.getAttribute('aria-expanded');
      return {
        top: el.getBoundingClientRect().top,
        label: el.querySelector('.label-name')?.textContent?.trim() ?? '',
        description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
        ariaLabel: el.getAttribute('aria-label') ?? '',
        level: Number(el.getAttribute('aria-level') ?? '1'),
        expanded: expanded === null ? undefined : expanded === 'true',
        iconClasses: icons.flatMap((i) => [...i.classList]),
        iconColor: icons[0] ? getComputedStyle(icons[0]).color : '',
      };
    })
    .sort((a, b) => a.top - b.top)
    .map(({ top: _top, ...row }) => row));
}

/** Waits until some row of the view satisfies `predicate`; returns all rows at that moment. */
export async function waitForTreeRows(page: Page, viewTitle: string, predicate: (rows: TreeRow[]) => boolean,
  timeoutMs = DEFAULT_TIMEOUT): Promise<TreeRow[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: TreeRow[] = [];
  while (Date.now() < deadline) {
    rows = await treeRows(page, viewTitle).catch(() => []);
    if (predicate(rows)) return rows;
    await page.waitForTimeout(250);
  }
  throw new Error(`tree "${viewTitle}" never matched; last rows:\n${JSON.stringify(rows, null, 1)}`);
}

/** A row of a tree view by its label (exact text or a regular expression). */
export function treeRow(page: Page, viewTitle: string, label: string | RegExp): Locator {
  return viewPane(page, viewTitle).locator('.pane-body .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: exactText(label) }),
  }).first();
}

/** Expands a collapsed row (clicks its twistie) and waits until it is expanded. */
export async function expandRow(page: Page, viewTitle: string, label: string | RegExp): Promise<void> {
  const row = treeRow(page, viewTitle, label);
  await row.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  if ((await row.getAttribute('aria-expanded')) === 'true') return;
  await row.locator('.monaco-tl-twistie').click();
  const deadline = Date.now() + DEFAULT_TIMEOUT;
  while ((await row.getAttribute('aria-expanded', { timeout: DEFAULT_TIMEOUT })) !== 'true') {
    if (Date.now() > deadline) throw new Error(`row ${String(label)} of ${viewTitle} did not expand`);
    await page.waitForTimeout(100);
  }
}

/** Hovers a row and returns the text of the hover (the tree item's tooltip). */
export async function rowTooltip(page: Page, viewTitle: string, label: string | RegExp): Promise<string> {
  const row = treeRow(page, viewTitle, label);
  await row.locator('.label-name').hover();
  const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: /\S/ }).last();
  await hover.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  const text = (await hover.innerText()).trim();
  await page.mouse.move(0, 0);
  return text;
}

/** Right-clicks a file or folder in the Explorer (path segments from the workspace root, e.g. "data/aid"). */
export async function rightClickExplorerItem(page: Page, name: string): Promise<void> {
  await openView(page, 'Explorer');
  const segments = name.split('/').filter(Boolean);
  for (let i = 0; i < segments.length; i++) {
    const row = page.locator('.explorer-folders-view .monaco-list-row').filter({
      has: page.locator('.label-name', { hasText: exactText(segments[i]) }),
    }).first();
    await row.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
    if (i < segments.length - 1) {
      if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    } else {
      await row.click({ button: 'right' });
    }
  }
}

/** Entries of the open context menu (VS Code draws menus in a shadow root; Playwright's CSS pierces it). */
function contextMenuItems(page: Page): Locator {
  return page.locator('.context-view .monaco-menu a.action-menu-item');
}

/** Clicks an entry of the open context menu by its label. */
export async function clickContextMenu(page: Page, label: string | RegExp): Promise<void> {
  const item = contextMenuItems(page).filter({ has: page.locator('.action-label', { hasText: exactText(label) }) }).first();
  await item.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  // VS Code's menu ignores a click that comes right after it opened (so the right-click's mouse-up cannot pick an
  // entry); click again while the menu is still there.
  for (let attempt = 0; attempt < 5; attempt++) {
    await item.click().catch(() => undefined);
    const closed = await item.waitFor({ state: 'hidden', timeout: 1000 }).then(() => true, () => false);
    if (closed) return;
  }
  throw new Error(`context menu entry ${String(label)} did not respond to clicks`);
}

/** The labels of the open context menu's entries (to assert what is offered). */
export async function contextMenuLabels(page: Page): Promise<string[]> {
  const labels = contextMenuItems(page).locator('.action-label');
  await labels.first().waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  return (await labels.allInnerTexts()).map((t) => t.trim());
}

/** The labels of the rows in the open quick pick. */
export async function quickPickLabels(page: Page): Promise<string[]> {
  const rows = quickInput(page).locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  return rows.evaluateAll((els) => els
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map((el) => (el.querySelector('.label-name') ?? el).textContent?.trim() ?? ''));
}

/** Picks the quick-pick row whose label contains `text` (or matches it, for a regular expression). */
export async function quickPickSelect(page: Page, text: string | RegExp): Promise<void> {
  const row = quickInput(page).locator('.quick-input-list .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: text }),
  }).first();
  await row.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  await row.click();
}

/** Types into the open input box (or quick pick filter) and, by default, presses Enter. */
export async function inputBoxType(page: Page, text: string, { submit = true } = {}): Promise<void> {
  const input = quickInput(page).locator('.quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
  await input.fill(text);
  if (submit) await page.keyboard.press('Enter');
}

/**
 * Installed in the workbench page before any of its scripts (harness.ts, `context.addInitScript`): every notification
 * message ever rendered — as a toast or in the notification centre — is kept in `window.__pixtuneNotifications`,
 * once per toast (or centre entry) and text. Toasts vanish after 15–20 s and only three show at once, so a wait that
 * starts late, or an assertion about how often a message was shown, reads this durable record instead of the screen.
 */
export function installNotificationRecorder(): void {
  const w = window as unknown as { __pixtuneNotifications?: { text: string; toast: boolean }[] };
  if (w.__pixtuneNotifications) return;
  const log: { text: string; toast: boolean }[] = (w.__pixtuneNotifications = []);
  const seen = new WeakMap<Element, Set<string>>();
  const ticks = window as unknown as { __pixtuneNotificationTicks: number };
  ticks.__pixtuneNotificationTicks = 0;
  // A poll rather than a MutationObserver: the workbench mutates its DOM constantly, and a toast lives for seconds.
  // (No named inner functions here: tsx's keepNames would wrap them in a helper the page does not have.)
  setInterval(() => {
    for (const el of Array.from(document.querySelectorAll('.notification-list-item-message'))) {
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
      const owner = el.closest('.notification-toast') ?? el.closest('.notification-list-item') ?? el;
      const texts = seen.get(owner) ?? new Set<string>();
      if (!text || texts.has(text)) continue;
      texts.add(text);
      seen.set(owner, texts);
      log.push({ text, toast: owner.classList.contains('notification-toast') });
    }
    ticks.__pixtuneNotificationTicks++;
  }, 100);
}

/**
 * Waits until the notification record has looked at the page ten more times (about a second of the page's own
 * time): after a durable sign that the extension handled something (a log line, a file), anything it showed
 * because of it has been rendered and recorded by then.
 */
export async function notificationRecordSettled(page: Page): Promise<void> {
  const key = '__pixtuneNotificationTicks';
  const start = await page.evaluate((k) => (window as unknown as Record<string, number>)[k] ?? 0, key);
  await page.waitForFunction(([k, from]) => ((window as unknown as Record<string, number>)[k] ?? 0) >= from + 10, [key, start] as const,
    { timeout: DEFAULT_TIMEOUT, polling: 100 });
}

/** Every notification message shown so far in this window (oldest first), toasts marked; see installNotificationRecorder. */
export async function notificationLog(page: Page): Promise<{ text: string; toast: boolean }[]> {
  return page.evaluate(() => (window as unknown as { __pixtuneNotifications?: { text: string; toast: boolean }[] }).__pixtuneNotifications ?? []);
}

/**
 * Waits until a notification whose message matches has been shown in this window — now or at any time since the
 * page loaded, even if its toast has gone since — and returns its text (the notification centre's full text when
 * it is still on screen, so buttons' labels are included).
 */
export async function waitForNotification(page: Page, message: RegExp, timeoutMs = DEFAULT_TIMEOUT): Promise<string> {
  const handle = await page.waitForFunction(([source, flags]) => {
    const re = new RegExp(source, flags);
    const live = Array.from(document.querySelectorAll('.notifications-toasts .notification-toast, .notifications-center .notification-list-item'))
      .map((el) => (el as HTMLElement).innerText.trim()).find((t) => re.test(t));
    if (live) return live;
    const log = (window as unknown as { __pixtuneNotifications?: { text: string }[] }).__pixtuneNotifications ?? [];
    return log.find((e) => re.test(e.text))?.text ?? false;
  }, [message.source, message.flags.replace('g', '')] as const, { timeout: timeoutMs, polling: 100 });
  return String(await handle.jsonValue());
}

/** How many toasts have shown a message that matches, since the page loaded. */
export async function toastCount(page: Page, message: RegExp): Promise<number> {
  return (await notificationLog(page)).filter((e) => e.toast && message.test(e.text)).length;
}

/** The messages of all visible notification toasts. */
export async function notificationMessages(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
}

/** Finds the (nested) webview frame whose document body contains `text`. */
export async function findWebviewFrame(page: Page, text: string | RegExp, timeoutMs = DEFAULT_TIMEOUT): Promise<Frame> {
  const matches = (body: string) => (typeof text === 'string' ? body.includes(text) : text.test(body));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const body = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      if (matches(body)) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview frame shows ${String(text)}`);
}

/** Titles of the open editor tabs, left to right. */
export async function editorTabs(page: Page): Promise<string[]> {
  return page.locator('.tabs-container .tab .label-name').allInnerTexts();
}
