// The time from the trainer writing a metrics line to the details panel drawing it, end to end in the real
// product: the packaged extension in code-server, driven by Chromium, follows a local training job through the
// real local backend (its record, the jobs index, metrics.jsonl) while this bench appends the job's metrics lines
// itself, one at a time, at moments it chooses (the job's trainer is a stand-in process: see
// test/fixtures/standInLocalJob.ts). Each latency runs from the append starting to the chart's draw hook
// marking the new point (data-steps on the chart element, timestamped in the page by a MutationObserver; both
// clocks are this machine's). The pause before each append is random over a poll interval, so the figures do
// not lock to the phase of the extension's polling. Prints median / p90 / max.
// Needs code-server and Chromium (scripts/setup-e2e.sh); skips with a note when they are missing (--no-e2e
// skips it too). `--lines N` sets the number of lines (20).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { codeServerExecutable, findWebviewFrame, treeRow, waitForTreeRows, withVSCode } from '../test/e2e/harness';
import { showViewContainer } from '../test/e2e/trainingUi';
import { startStandInLocalJob, type StandInLocalJob } from '../test/fixtures/standInLocalJob';

const JOBS = 'Fine-tuning Jobs';
/** The extension's poll interval while a job runs (TrainingJobsWatcher's default): the pauses spread over it. */
const POLL_MS = 2000;

declare global {
  interface Window {
    __drawnAt?: Record<number, number>;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  if (process.argv.includes('--no-e2e')) return console.log('skipped (--no-e2e)');
  try {
    codeServerExecutable();
  } catch (err) {
    return console.log(`skipped: ${(err as Error).message}`);
  }
  const i = process.argv.indexOf('--lines');
  const lines = i > 0 ? Number(process.argv[i + 1]) : 20;
  const workspace = await mkdtemp(join(tmpdir(), 'pixtune-bench-panel-'));
  const cache = join(workspace, '.cache-pixtune');
  const runDir = join(workspace, '.pixtune', 'aid', 'run1');
  await mkdir(runDir, { recursive: true });
  let job: StandInLocalJob | undefined;
  try {
    job = await startStandInLocalJob({ runDir, indexFile: join(cache, 'local-jobs.json'), totalSteps: lines + 1 });
    // One point before the panel opens: the chart exists, and each measured line is an update of it.
    await job.appendMetric(1);
    const t0 = performance.now();
    await withVSCode({ workspace, name: 'bench-metrics-to-panel', env: { PIXTUNE_CACHE: cache } }, async ({ page }) => {
      const started = performance.now();
      await showViewContainer(page, 'Pixtune');
      await waitForTreeRows(page, JOBS, (r) => r.some((row) => row.label.includes(job!.id) && /Running/.test(row.description)), 90_000);
      // A click on a row the tree is redrawing at that moment opens nothing (a user clicks again; so does this).
      let panel: Frame | undefined;
      for (let attempt = 1; !panel; attempt++) {
        await treeRow(page, JOBS, new RegExp(job!.id)).click();
        panel = await findWebviewFrame(page, 'Training curves', 20_000).catch((err) => (attempt < 3 ? undefined : Promise.reject(err)));
      }
      await panel.waitForSelector('.chart[data-steps="1"]', { state: 'attached', timeout: 60_000 });
      await panel.evaluate(() => {
        window.__drawnAt = {};
        const chart = document.querySelector<HTMLElement>('.chart')!;
        new MutationObserver(() => (window.__drawnAt![Number(chart.dataset.steps)] ??= Date.now())).observe(chart, { attributes: true, attributeFilter: ['data-steps'] });
      });
      const opened = performance.now();
      const latencies: number[] = [];
      for (let step = 2; step <= lines + 1; step++) {
        await new Promise((r) => setTimeout(r, Math.random() * POLL_MS));
        // From the start of the write: the line is readable before appendFile's promise settles, and on a busy
        // machine this process may resume from that await later than the extension host draws the point.
        const written = Date.now();
        await job!.appendMetric(step);
        await panel.waitForFunction((n) => window.__drawnAt?.[n] !== undefined, step, { timeout: 30_000, polling: 20 });
        latencies.push((await panel.evaluate((n) => window.__drawnAt![n]!, step)) - written);
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      console.log(
        `metrics line written → drawn in the details panel, ${lines} lines: median ${percentile(sorted, 50).toFixed(0)} ms · ` +
          `p90 ${percentile(sorted, 90).toFixed(0)} ms · max ${sorted.at(-1)!.toFixed(0)} ms · min ${sorted[0]!.toFixed(0)} ms`,
      );
      console.log(`(code-server and Chromium up in ${((started - t0) / 1000).toFixed(1)} s, the panel open ${((opened - started) / 1000).toFixed(1)} s later)`);
    });
  } finally {
    await job?.stop();
    await rm(workspace, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
