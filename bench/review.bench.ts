// The review webview's time to first full render (header, filters, confusion matrix, per-class table and the
// visible grid, laid out and painted) for 2,000 and 10,000 predictions, in Debian's Chromium through
// playwright-core, from navigation start. Also: how long a jump to the middle of the grid takes to draw (the
// grid is virtualised), and how many tile nodes exist (should be a few screens, not all of them).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { reviewPageHtml, syntheticView } from '../test/e2e/evaluationPageHarness';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--allow-file-access-from-files'];
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-review-bench-'));
  const browser = await chromium.launch({ executablePath: process.env.PIXTUNE_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    for (const n of [2000, 10000]) {
      const file = join(dir, `review-${n}.html`);
      await writeFile(file, reviewPageHtml(syntheticView(n), resolve('dist'), resolve('media')));
      const renders: number[] = [];
      const jumps: number[] = [];
      let nodes = 0;
      for (let run = 0; run < RUNS; run++) {
        await page.goto(`file://${file}`);
        await page.waitForFunction(() => document.body.dataset.renderedMs !== undefined, undefined, { timeout: 30_000 });
        renders.push(Number(await page.evaluate(() => document.body.dataset.renderedMs)));
        nodes = await page.evaluate(() => document.querySelectorAll('.tile').length);
        jumps.push(
          await page.evaluate(
            () =>
              new Promise<number>((done) => {
                const scroller = document.querySelector('.grid-scroll') as HTMLElement;
                const t0 = performance.now();
                scroller.scrollTop = scroller.scrollHeight / 2;
                requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
              }),
          ),
        );
      }
      console.log(`${n} predictions: first full render ${median(renders).toFixed(0)} ms (median of ${RUNS}; min ${Math.min(...renders).toFixed(0)}, max ${Math.max(...renders).toFixed(0)})` +
        `${n === 2000 ? ` — target < 1000 ms: ${median(renders) < 1000 ? 'met' : 'NOT met'}` : ''}; jump to the middle drawn in ${median(jumps).toFixed(0)} ms; ${nodes} tile nodes in the DOM`);
    }
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
