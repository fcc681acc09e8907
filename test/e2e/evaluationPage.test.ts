// The review page itself (dist/review.js) in Chromium, with the host played by a stand-in page: labels and file
// names that are HTML stay text; 10,000 predictions keep a few screens of nodes and ask for thumbnails a page at a
// time; every message the page sends passes the host's schema; a malformed host message is ignored; the filters
// come back from saved state (a panel restored after a reload). No code-server: the workbench part is
// evaluation.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './harness';
import { reviewPageHtml, syntheticView } from './evaluationPageHarness';
import { reviewWebviewToHostSchema, type ReviewView } from '../../src/webview/review/reviewMessages';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--allow-file-access-from-files'];
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

/** The view with one class renamed everywhere it appears (labels, tiles, report). */
function renameClass(view: ReviewView, from: string, to: string): ReviewView {
  const swap = (c: string) => (c === from ? to : c);
  const report = view.report!;
  return {
    ...view,
    classes: view.classes.map(swap),
    tiles: view.tiles.map((t) => ({ ...t, truth: swap(t.truth), predicted: t.predicted ? swap(t.predicted) : t.predicted, name: t.name.replace(from, `${to}_`), path: t.path.replace(from, to) })),
    report: { ...report, perClass: Object.fromEntries(Object.entries(report.perClass).map(([k, v]) => [swap(k), v])), confusion: { ...report.confusion, labels: report.confusion.labels.map(swap) } },
  };
}

async function withPage(fn: (open: (view: ReviewView, state?: unknown) => Promise<Page>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-review-page-'));
  const browser: Browser = await chromium.launch({ executablePath: process.env.PIXTUNE_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  let n = 0;
  try {
    await fn(async (view, state) => {
      const file = join(dir, `page-${n++}.html`);
      await writeFile(file, reviewPageHtml(view, join(REPO_ROOT, 'dist'), join(REPO_ROOT, 'media')));
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      if (state !== undefined) await page.addInitScript((s) => ((window as unknown as { __initialState: unknown }).__initialState = s), state);
      await page.goto(`file://${file}`);
      await page.waitForFunction(() => document.body.dataset.renderedMs !== undefined, undefined, { timeout: 30_000 });
      assert.deepEqual(errors, [], 'no script errors on the page');
      return page;
    });
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const sent = (page: Page) => page.evaluate(() => (window as unknown as { __sent: unknown[] }).__sent);

test('review page: HTML in class and file names is shown as text, never run', { timeout: 60_000 }, async () => {
  await withPage(async (open) => {
    const page = await open(renameClass(syntheticView(200), 'airport', HOSTILE));
    await page.click('#tab-insights');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element made from a label');
    assert.ok((await page.locator('.matrix th', { hasText: HOSTILE }).count()) >= 2, 'the label is in the matrix as text (row and column)');
    await page.click('#tab-tiles');
    const label = await page.locator('.tile .label.truth', { hasText: HOSTILE }).first().innerText();
    assert.ok(label.includes(HOSTILE));
    // The filter menus carry it as an option's text too, and filtering by it works.
    await page.selectOption('select[aria-label="True class"]', HOSTILE);
    await page.waitForFunction(() => /^Showing 20 of 200 images/.test(document.querySelector('.filter-summary')?.textContent ?? ''));
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });
});

test('review page: 10,000 predictions keep a few screens of nodes; thumbnails asked a page at a time; messages valid', { timeout: 60_000 }, async () => {
  await withPage(async (open) => {
    const page = await open(syntheticView(10_000));
    const nodes = await page.locator('.tile').count();
    assert.ok(nodes > 10 && nodes < 200, `${nodes} tile nodes`);
    await page.waitForFunction(() => document.querySelectorAll('.tile img').length > 10);
    await page.evaluate(() => {
      const s = document.querySelector('.grid-scroll') as HTMLElement;
      s.scrollTop = s.scrollHeight;
    });
    await page.waitForFunction(() => document.querySelector('.tile[data-index="9999"] img') !== null);
    assert.ok((await page.locator('.tile').count()) < 200);
    const messages = (await sent(page)) as { type: string; indices?: number[] }[];
    assert.equal(messages[0]!.type, 'ready');
    for (const m of messages) assert.ok(reviewWebviewToHostSchema.safeParse(m).success, `valid: ${JSON.stringify(m).slice(0, 200)}`);
    const asked = messages.flatMap((m) => m.indices ?? []);
    assert.ok(asked.length < 400, `${asked.length} thumbnails asked for, not all 10,000`);
    assert.equal(new Set(asked).size, asked.length, 'no thumbnail asked twice');
    // Keyboard: End selects the last tile, Enter asks the host for its details by index.
    await page.focus('.grid-scroll');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as unknown as { __sent: { type: string; index?: number }[] }).__sent.some((m) => m.type === 'detail' && m.index === 9999));
    // A malformed message from the "host" is ignored: the page keeps what it shows.
    await page.evaluate(() => window.postMessage({ type: 'view', view: { key: 1, tiles: 'oops' } }, '*'));
    await page.evaluate(() => window.postMessage({ type: 'thumbs', items: [{ index: 'x' }] }, '*'));
    // Messages are handled in order: once a valid one after them has been drawn, the malformed ones were dropped.
    await page.evaluate(() => window.postMessage({ type: 'thumbs', items: [{ index: 9999, reason: 'probe' }] }, '*'));
    await page.locator('.tile[data-index="9999"] .thumb.broken[title="probe"]').waitFor();
    assert.match((await page.locator('.filter-summary').innerText()), /^Showing 10000 of 10000 images/);
  });
});

test('review page: filters, tab and selection are saved with setState and come back in a restored panel', { timeout: 60_000 }, async () => {
  await withPage(async (open) => {
    const view = syntheticView(500);
    const page = await open(view);
    await page.selectOption('select[aria-label="Show"]', 'wrong');
    await page.selectOption('select[aria-label="True class"]', 'beach');
    const state = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.deepEqual((state as { key: string; filter: unknown }).filter, { status: 'wrong', truth: 'beach', predicted: '', search: '' });
    assert.equal((state as { key: string }).key, view.key);
    const summary = await page.locator('.filter-summary').innerText();
    assert.match(summary, /wrong · truth beach/);
    const restored = await open(view, state);
    assert.equal(await restored.locator('.filter-summary').innerText(), summary);
    assert.equal(await restored.locator('select[aria-label="Show"]').inputValue(), 'wrong');
  });
});
