// The review webview's time to first full render (header, filters, confusion matrix, per-class table and the
// visible grid, laid out and painted) for 2,000 and 10,000 predictions, in Debian's Chromium through
// playwright-core, from navigation start. Also: how long a jump to the middle of the grid takes to draw (the
// grid is virtualised), and how many tile nodes exist (should be a few screens, not all of them). Then the host's
// side: the view built from a predictions file (read, core's report, tiles, the schema check before posting).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { reviewPageHtml, syntheticView } from '../test/e2e/evaluationPageHarness';
import { makeRun } from '../test/unit/evaluation/runFixture';
import { loadEvaluationReview } from '../src/extension/evaluation/reviewModel';
import { reviewHostToWebviewSchema } from '../src/webview/review/reviewMessages';
import { mkdir } from 'node:fs/promises';

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
  await hostSide();
}

/** The host's work before the page gets anything: predictions file → view (core's report included) → schema check. */
async function hostSide(): Promise<void> {
  const run = await makeRun({ perClass: 4, test: 0.5 });
  try {
    for (const n of [2000, 10000]) {
      const view = syntheticView(n);
      const file = join(run.runDir, 'predictions', `synthetic-${n}.jsonl`);
      await mkdir(join(run.runDir, 'predictions'), { recursive: true });
      const classes = run.classes;
      const lines = view.tiles.map((t, i) => {
        const truth = classes[i % classes.length]!;
        const predicted = t.valid ? (t.predicted === t.truth ? truth : classes[(i + 1) % classes.length]!) : null;
        return JSON.stringify({ custom_id: String(i), path: `${truth}/${t.name}`, truth, predicted, valid: t.valid, raw: JSON.stringify({ image_description: 'An aerial tile.', label: predicted ?? 'golf course' }), model: 'synthetic' });
      });
      await writeFile(file, lines.join('\n') + '\n');
      const times: number[] = [];
      let bytes = 0;
      for (let run2 = 0; run2 < RUNS; run2++) {
        const t0 = performance.now();
        const loaded = await loadEvaluationReview({ kind: 'evaluation', runDir: run.runDir, file }, 'bench');
        const message = reviewHostToWebviewSchema.parse({ type: 'view', view: loaded.view });
        times.push(performance.now() - t0);
        bytes = JSON.stringify(message).length;
      }
      console.log(`host: view of ${n} predictions from its file (read, report, tiles, schema check) ${median(times).toFixed(0)} ms (median of ${RUNS}); message ${(bytes / 1024).toFixed(0)} KB`);
    }
  } finally {
    await run.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
