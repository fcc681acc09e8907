// A local job's metrics line reaches the views at once, not at the next poll: the watcher follows the files of
// running (and shown) local jobs through the real local backend's watch, with polls set a minute apart so that
// only the file watch can explain a prompt change; the watches end with the job, the panel and the watcher.
// The job's trainer is a stand-in process and the test writes its files (test/fixtures/standInLocalJob.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTrainingBackend } from '../../../src/core/jobs/backends/local/localBackend';
import { watchJobFolder } from '../../../src/core/jobs/backends/local/jobFolderWatch';
import type { TrainingJobView } from '../../../src/core/jobs/backends/trainingBackend';
import { TrainingJobsWatcher } from '../../../src/core/jobs/backends/trainingJobsWatcher';
import { startStandInLocalJob, type StandInLocalJob } from '../../fixtures/standInLocalJob';

const POLL_MS = 60_000;
/** Far below the poll interval, far above a watch's ~100 ms on a loaded machine. */
const PROMPT_MS = 5000;

/** The real local backend, counting the watches it has open (each still made by its own watch()). */
class CountingLocalBackend extends LocalTrainingBackend {
  open = 0;
  override watch(id: string, onChange: () => void): { dispose(): void } {
    const handle = super.watch(id, onChange);
    this.open++;
    let done = false;
    return {
      dispose: () => {
        if (!done) this.open--;
        done = true;
        handle.dispose();
      },
    };
  }
}

/** Resolves when the watcher's job `key` satisfies `ok` after a change; rejects after `ms`. */
function changeWhere(watcher: TrainingJobsWatcher, key: string, ok: (v: TrainingJobView) => boolean, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no change within ${ms} ms: ${what}`))), ms);
    const off = watcher.onDidChange(() => {
      const v = watcher.get(key);
      if (v && ok(v)) {
        clearTimeout(timer);
        off();
        resolve(performance.now() - t0);
      }
    });
  });
}

async function setUp(): Promise<{ dir: string; backend: CountingLocalBackend; job: StandInLocalJob; watcher: TrainingJobsWatcher; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-filewatch-'));
  const indexFile = join(dir, 'cache', 'local-jobs.json');
  const backend = new CountingLocalBackend({ python: process.execPath, trainerRoot: dir, indexFile });
  const job = await startStandInLocalJob({ runDir: join(dir, 'run'), indexFile, totalSteps: 10 });
  await job.appendMetric(1);
  const watcher = new TrainingJobsWatcher({ log: { warn: () => undefined }, activeMs: POLL_MS });
  const key = `local:${job.id}`;
  const listed = changeWhere(watcher, key, (v) => v.status === 'RUNNING' && v.metrics.length === 1, 10_000, 'the job listed');
  watcher.setBackend('local', backend);
  await listed;
  return { dir, backend, job, watcher, key };
}

async function waitUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a metrics line appended to a running local job is in the watcher long before the next poll', { timeout: 30_000 }, async () => {
  const { dir, backend, job, watcher, key } = await setUp();
  try {
    await waitUntil(() => backend.open === 1, 5000, 'the running job watched');
    for (const step of [2, 3, 4]) {
      const seen = changeWhere(watcher, key, (v) => v.metrics.length === step, PROMPT_MS, `metrics line ${step}`);
      await job.appendMetric(step);
      const ms = await seen;
      assert.ok(ms < PROMPT_MS, `line ${step} after ${ms} ms`);
    }
    // status.json is written by rename (as the trainer and writeFileAtomic do): the end shows at once too.
    const ended = changeWhere(watcher, key, (v) => v.status === 'SUCCESS', PROMPT_MS, 'the success');
    await job.stop();
    await writeFile(join(job.jobDir, '.status.tmp'), JSON.stringify({ state: 'succeeded', step: 4, total_steps: 10 }));
    await rename(join(job.jobDir, '.status.tmp'), join(job.jobDir, 'status.json'));
    await ended;
    await waitUntil(() => backend.open === 0, 5000, 'the ended job no longer watched');

    // A details panel on the ended job watches it again (a resume from the CLI shows at once); closing it ends that.
    watcher.setWatched(key, true);
    assert.equal(backend.open, 1);
    watcher.setWatched(key, false);
    assert.equal(backend.open, 0);
    watcher.setWatched(key, true);
    watcher.dispose();
    assert.equal(backend.open, 0, 'disposing the watcher ends every watch');
  } finally {
    watcher.dispose();
    await job.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('where fs.watch is unavailable the job folder is stat-polled: an appended line is still noticed', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-filewatch-poll-'));
  let calls = 0;
  const stop = watchJobFolder(dir, () => calls++, { forcePolling: true, fallbackPollMs: 50, delayMs: 20 });
  try {
    await writeFile(join(dir, 'metrics.jsonl'), '{"step":1}\n');
    await waitUntil(() => calls > 0, 10_000, 'the polled change');
  } finally {
    stop();
    await rm(dir, { recursive: true, force: true });
  }
});
