// The jobs watcher (what the Jobs view, status bar and details panels show) driven against real sandboxes:
// its states (no key, rejected key, retired service, unreachable server and back), a job followed to SUCCESS
// with one "ended" event, a job that ended while VS Code was closed, links to jobs the server no longer
// knows, and polling that stops when nobody looks and nothing runs. The link store is the real one, writing
// real job.json files; only VS Code's Memento is replaced by an in-memory map.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMistralConnection, type MistralConnection } from '../../../src/core/mistral/connection';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { JobsWatcher, type JobEnded, type JobsState } from '../../../src/core/jobs/jobsWatcher';
import { JobLinkStore, linkAwaitsJob, type LinkState } from '../../../src/core/jobs/jobLinkStore';
import { readRunJobFile, type JobLink } from '../../../src/core/jobs/jobLinks';
import type { FineTuningJob } from '../../../src/core/mistral/wireSchemas';
import { buildTrainingFixture } from '../sandbox/trainingFixture';

/** Short intervals so a test sees many polls in well under a second. */
const FAST = { activeMs: 20, idleMs: 40, maxMs: 120, factor: 1.6 };

let sandbox: Sandbox;
let conn: MistralConnection;
let dir: string;
let trainFileId: string;
const open: JobsWatcher[] = [];

before(async () => {
  sandbox = await startSandbox({ port: 0, speed: 60, apiKey: 'sandbox' });
  conn = connect(sandbox.url, 'sandbox');
  dir = await mkdtemp(join(tmpdir(), 'pixtune-watcher-'));
  const fixture = await buildTrainingFixture(join(dir, 'fixture'), { classes: ['forest', 'river'], perClass: 4, testPerClass: 1, seed: 5 });
  trainFileId = (await conn.files.upload(fixture.trainPath, 'fine-tune')).file.id;
});

afterEach(() => {
  for (const w of open.splice(0)) w.dispose();
});

after(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

function connect(url: string, key: string): MistralConnection {
  return createMistralConnection({ apiKey: key, serverUrl: url, retry: { maxAttempts: 1, initialDelayMs: 10 } });
}

/** VS Code's Memento, in memory; values go through JSON as they do in workspaceState. */
class MemoryState implements LinkState {
  private readonly values = new Map<string, unknown>();
  get(key: string): unknown {
    return this.values.get(key);
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
}

interface Harness {
  watcher: JobsWatcher;
  links: JobLinkStore;
  states: JobsState[];
  ended: JobEnded[];
  unavailable: string[];
  warnings: string[];
}

function watch(opts: { url?: string; key?: string; links?: JobLinkStore; schedule?: typeof FAST } = {}): Harness {
  const url = opts.url ?? sandbox.url;
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m), info: () => {} };
  const links = opts.links ?? new JobLinkStore(new MemoryState(), log);
  const states: JobsState[] = [];
  const ended: JobEnded[] = [];
  const unavailable: string[] = [];
  const key = opts.key;
  const c = key === undefined ? undefined : connect(url, key);
  const watcher = new JobsWatcher({
    source: {
      info: async () => ({ url, kind: 'sandbox', label: 'Sandbox' }),
      hasKey: async () => key !== undefined,
      connection: async () => c!,
    },
    links,
    log,
    onUnavailable: (serverUrl) => unavailable.push(serverUrl),
    onState: (s) => states.push(s),
    schedule: opts.schedule ?? FAST,
  });
  watcher.onDidEndJob((e) => ended.push(e));
  open.push(watcher);
  return { watcher, links, states, ended, unavailable, warnings };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function jobRequests(s: Sandbox): number {
  return Object.entries(s.stats().requests)
    .filter(([k]) => k.includes('/v1/fine_tuning/jobs'))
    .reduce((n, [, v]) => n + v, 0);
}

async function createJob(autoStart: boolean): Promise<FineTuningJob> {
  return conn.jobs.create({ model: 'pixtral-12b-latest', training_files: [{ file_id: trainFileId }], hyperparameters: { training_steps: 4 }, auto_start: autoStart });
}

async function linkFor(links: JobLinkStore, jobId: string, over: Partial<JobLink> = {}): Promise<JobLink> {
  const runDir = join(dir, 'runs', jobId);
  await mkdir(runDir, { recursive: true });
  const link: JobLink = { jobId, runDir, serverUrl: sandbox.url, model: 'pixtral-12b-latest', createdAt: Date.now(), uploadedFiles: [], ...over };
  await links.save(link);
  return link;
}

test('without a key the watcher says noKey and asks the server nothing', async () => {
  const before = jobRequests(sandbox);
  const h = watch({ key: undefined });
  h.watcher.setVisible('tree', true);
  await h.watcher.refresh();
  assert.equal(h.watcher.state, 'noKey');
  assert.equal(h.states.at(-1), 'noKey', 'the state hook saw it (the extension mirrors it into a context key)');
  assert.equal(h.watcher.pollScheduled, false, 'no key: no polling until something changes');
  assert.equal(jobRequests(sandbox), before);
});

test('a rejected key is authFailed, and polling stops', async () => {
  const h = watch({ key: 'not-the-key' });
  h.watcher.setVisible('tree', true);
  await h.watcher.refresh();
  assert.equal(h.watcher.state, 'authFailed');
  assert.equal(h.watcher.pollScheduled, false);
  assert.ok(h.warnings.some((w) => /401/.test(w)), h.warnings.join('\n'));
  assert.deepEqual(h.watcher.list(), []);
});

test('a retired service is "unavailable": the hook is called once and nothing is asked again', async () => {
  const retired = await startSandbox({ port: 0, fineTuning: 'retired', apiKey: 'sandbox' });
  try {
    const h = watch({ url: retired.url, key: 'sandbox' });
    await h.watcher.refresh();
    assert.equal(h.watcher.state, 'unavailable');
    assert.deepEqual(h.unavailable, [retired.url]);
    assert.deepEqual(h.watcher.list(), []);
    assert.equal(h.watcher.pollScheduled, false);
    // Showing the view or a panel does not wake polling up on a retired service.
    h.watcher.setVisible('tree', true);
    h.watcher.setVisible('panel:x', true);
    await sleep(5 * FAST.maxMs);
    assert.deepEqual(h.unavailable, [retired.url]);
    assert.equal(jobRequests(retired), 1, 'one refused call, then silence');
  } finally {
    await retired.close();
  }
});

test('an unreachable server is an error state that polling recovers from once the server is back', async () => {
  const down = await startSandbox({ port: 0, apiKey: 'sandbox' });
  const { port, url } = down;
  await down.close();
  const h = watch({ url, key: 'sandbox' });
  h.watcher.setVisible('tree', true);
  await h.watcher.refresh();
  assert.equal(h.watcher.state, 'error');
  assert.match(h.watcher.error ?? '', /reach/i);
  assert.equal(h.watcher.pollScheduled, true, 'errors back off but keep polling while the view is visible');
  const up = await startSandbox({ port, apiKey: 'sandbox' });
  try {
    await until('recovery', () => h.watcher.state === 'ready');
    assert.equal(h.watcher.error, undefined);
    assert.ok(jobRequests(up) > 0, 'the watcher asked the restarted server by itself');
  } finally {
    await up.close();
  }
});

test('a job is listed and followed to SUCCESS, with exactly one "ended" event and the run folder link updated', async () => {
  const h = watch({ key: 'sandbox' });
  const created = await createJob(false);
  await linkFor(h.links, created.id);
  h.watcher.setVisible('tree', true);
  await until('the VALIDATED job in the list', () => h.watcher.get(created.id)?.status === 'VALIDATED');
  assert.equal(h.watcher.state, 'ready');
  assert.ok(h.watcher.list().some((j) => j.id === created.id));
  assert.equal(h.ended.length, 0);

  // As the Start command does: start it, hand the answer to the watcher, which then follows it.
  h.watcher.upsert(await conn.jobs.start(created.id));
  await until('SUCCESS', () => h.watcher.get(created.id)?.status === 'SUCCESS');
  await until('the final checkpoints', () => (h.watcher.get(created.id)?.checkpoints?.length ?? 0) > 0);
  await h.watcher.refresh();
  await h.watcher.refresh();
  assert.equal(h.ended.length, 1, 'one "ended" event, however many polls follow');
  assert.equal(h.ended[0]!.job.status, 'SUCCESS');
  assert.equal(h.ended[0]!.server.url, sandbox.url);
  assert.equal(h.watcher.runningCount(), 0);
  await until('the link update', () => h.links.get(created.id)?.lastStatus === 'SUCCESS');
  const link = h.links.get(created.id)!;
  assert.match(link.fineTunedModel ?? '', /^ft:pixtral-12b-latest:/);
  // job.json is written after workspaceState, by the same queue.
  await until('job.json to follow', async () => (await readRunJobFile(link.runDir)).jobs[0]?.lastStatus === 'SUCCESS');
});

test('a job that ended while VS Code was closed is announced once by the next watcher', async () => {
  const done = await conn.waitForJob((await createJob(true)).id, { pollMs: 20 });
  assert.equal(done.status, 'SUCCESS');
  const state = new MemoryState();
  const log = { warn: () => {}, info: () => {} };
  const links = new JobLinkStore(state, log);
  await linkFor(links, done.id, { lastStatus: 'RUNNING' });

  const first = watch({ key: 'sandbox', links });
  await first.watcher.refresh();
  assert.deepEqual(first.ended.map((e) => [e.job.id, e.job.status]), [[done.id, 'SUCCESS']]);
  await until('the link update', () => links.get(done.id)?.lastStatus === 'SUCCESS');

  // Another restart: the link now says SUCCESS, so nothing is announced again.
  const second = watch({ key: 'sandbox', links });
  await second.watcher.refresh();
  assert.equal(second.watcher.get(done.id)?.status, 'SUCCESS');
  assert.deepEqual(second.ended, []);
});

test('a link to a job its server no longer knows is marked not found, a few per poll, without an invented status', async (t) => {
  // A fresh sandbox stands for the local sandbox restarted: it knows none of the jobs (and counts only our calls).
  const fresh = await startSandbox({ port: 0, apiKey: 'sandbox' });
  t.after(() => fresh.close());
  const h = watch({ url: fresh.url, key: 'sandbox' });
  const gone = ['ftjob-gone-1', 'ftjob-gone-2', 'ftjob-gone-3', 'ftjob-gone-4'];
  for (const id of gone) await linkFor(h.links, id, { lastStatus: 'RUNNING', serverUrl: fresh.url });
  // Same id on another server: this server's answer says nothing about it.
  await linkFor(h.links, 'ftjob-elsewhere', { lastStatus: 'RUNNING', serverUrl: 'https://api.mistral.ai' });
  const gets = () => fresh.stats().requests['GET /v1/fine_tuning/jobs/{job_id}'] ?? 0;
  const before = gets();

  await h.watcher.refresh();
  assert.equal(h.watcher.state, 'ready', 'the check does not turn the list into an error');
  const marked = () => gone.filter((id) => h.links.get(id)?.notFoundAt !== undefined);
  assert.equal(marked().length, 3, 'at most three asked for in one poll');
  assert.equal(gets() - before, 3);

  await h.watcher.refresh();
  assert.deepEqual(marked(), gone);
  assert.equal(gets() - before, 4, 'each missing job is asked for once');
  await h.watcher.refresh();
  assert.equal(gets() - before, 4);

  for (const id of gone) {
    const link = h.links.get(id)!;
    assert.equal(link.lastStatus, 'RUNNING', 'no terminal status is invented');
    assert.equal(linkAwaitsJob(link), false, 'no longer pending at the next activation');
    const file = await readRunJobFile(link.runDir);
    assert.equal(typeof file.jobs[0]?.notFoundAt, 'number', 'job.json records it too');
  }
  const elsewhere = h.links.get('ftjob-elsewhere')!;
  assert.equal(elsewhere.notFoundAt, undefined);
  assert.equal(linkAwaitsJob(elsewhere), true);
  assert.deepEqual(h.ended, []);
  assert.equal(h.watcher.runningCount(), 0);

  // Should the job be seen again after all (a status noted for it), the link is pending again.
  await h.links.noteStatus('ftjob-gone-1', 'RUNNING', null);
  assert.equal(h.links.get('ftjob-gone-1')?.notFoundAt, undefined);
  assert.equal(linkAwaitsJob(h.links.get('ftjob-gone-1')!), true);
});

test('a hidden watcher with no active job stops polling; showing it polls again', async () => {
  const h = watch({ key: 'sandbox' });
  h.watcher.setVisible('tree', true);
  await h.watcher.refresh();
  assert.equal(h.watcher.state, 'ready');
  assert.equal(h.watcher.runningCount(), 0);
  assert.equal(h.watcher.pollScheduled, true, 'visible: the list is re-read now and then');

  h.watcher.setVisible('tree', false);
  await h.watcher.refresh();
  assert.equal(h.watcher.pollScheduled, false);
  const before = jobRequests(sandbox);
  await sleep(5 * FAST.maxMs);
  assert.equal(jobRequests(sandbox), before, 'nothing asked while hidden');

  h.watcher.setVisible('tree', true);
  await until('a poll after showing the view', () => jobRequests(sandbox) > before);
});

test('after Start, a job the server still shows as VALIDATED is polled fast until it has run, not at the idle pace', async () => {
  const h = watch({ key: 'sandbox', schedule: { activeMs: 20, idleMs: 60_000, maxMs: 60_000, factor: 1.6 } });
  const created = await createJob(false);
  h.watcher.setVisible('tree', true);
  await h.watcher.refresh();
  await until('VALIDATED', async () => {
    await h.watcher.refresh();
    return h.watcher.get(created.id)?.status === 'VALIDATED';
  });
  const started = await conn.jobs.start(created.id);
  assert.equal(started.status, 'VALIDATED', 'the start answer does not say RUNNING yet');
  h.watcher.upsert(started);
  assert.equal(h.watcher.pollScheduled, true);
  await until('SUCCESS without a manual refresh', () => h.watcher.get(created.id)?.status === 'SUCCESS', 5000);
});

test('a job declined at the launch confirmation leaves the list at once, is not announced, and stays hidden', async () => {
  const h = watch({ key: 'sandbox' });
  const created = await createJob(false);
  await linkFor(h.links, created.id, { lastStatus: 'QUEUED' });
  h.watcher.upsert(created);
  await until('VALIDATED', async () => {
    await h.watcher.refresh();
    return h.watcher.get(created.id)?.status === 'VALIDATED';
  });
  await h.watcher.decline(created.id);
  assert.ok(!h.watcher.list().some((j) => j.id === created.id));
  h.watcher.upsert(await conn.jobs.cancel(created.id));
  await until('CANCELLED on the server', async () => {
    await h.watcher.refresh();
    return h.watcher.get(created.id)?.status === 'CANCELLED';
  });
  assert.deepEqual(h.ended, [], 'no "was cancelled" notification');
  assert.ok(!h.watcher.list().some((j) => j.id === created.id));
  assert.equal(typeof h.links.get(created.id)?.declinedAt, 'number');
  const next = watch({ key: 'sandbox', links: h.links });
  await next.watcher.refresh();
  assert.ok(!next.watcher.list().some((j) => j.id === created.id), 'still hidden after a reload');
  assert.ok(!next.watcher.history().some((l) => l.jobId === created.id));
});

test('a job that succeeds after the user asked to cancel it is announced as a cancel that came too late', async () => {
  const h = watch({ key: 'sandbox' });
  const created = await createJob(true);
  await linkFor(h.links, created.id, { lastStatus: 'RUNNING' });
  h.watcher.noteCancelRequested(created.id);
  await until('SUCCESS', async () => {
    await h.watcher.refresh();
    return h.watcher.get(created.id)?.status === 'SUCCESS';
  });
  assert.deepEqual(h.ended.map((e) => [e.job.status, e.cancelRequested]), [['SUCCESS', true]]);
});

test('recorded jobs the (restarted) server no longer lists are history; other servers\' and declined ones are not', async (t) => {
  const fresh = await startSandbox({ port: 0, apiKey: 'sandbox' });
  t.after(() => fresh.close());
  const h = watch({ url: fresh.url, key: 'sandbox' });
  await linkFor(h.links, 'ftjob-old-1', { lastStatus: 'SUCCESS', serverUrl: fresh.url, createdAt: 100 });
  await linkFor(h.links, 'ftjob-old-2', { lastStatus: 'RUNNING', serverUrl: fresh.url, createdAt: 200 });
  await linkFor(h.links, 'ftjob-declined', { lastStatus: 'CANCELLED', serverUrl: fresh.url, declinedAt: 1 });
  await linkFor(h.links, 'ftjob-other', { lastStatus: 'SUCCESS', serverUrl: 'https://api.mistral.ai' });
  assert.deepEqual(h.watcher.history(), [], 'nothing before the server has answered');
  await h.watcher.refresh();
  assert.deepEqual(h.watcher.history().map((l) => l.jobId), ['ftjob-old-2', 'ftjob-old-1']);
  assert.deepEqual(h.watcher.list(), []);
});

test('only rows that changed are redrawn: an unchanged upsert fires nothing, a moving job fires its id, not the whole list', async () => {
  const h = watch({ key: 'sandbox' });
  const created = await createJob(false);
  h.watcher.setVisible('tree', true);
  await until('VALIDATED', async () => {
    await h.watcher.refresh();
    return h.watcher.get(created.id)?.status === 'VALIDATED';
  });
  const events: (string[] | undefined)[] = [];
  h.watcher.onDidChange((ids) => events.push(ids));
  h.watcher.upsert(h.watcher.get(created.id)!);
  assert.equal(events.length, 0, `the same job again redraws nothing: ${JSON.stringify(events)}`);
  h.watcher.upsert(await conn.jobs.start(created.id));
  await until('SUCCESS', () => h.watcher.get(created.id)?.status === 'SUCCESS');
  assert.ok(events.some((e) => e?.length === 1 && e[0] === created.id), JSON.stringify(events));
  assert.ok(!events.includes(undefined), `no whole-list redraw while one job moves: ${JSON.stringify(events)}`);
});
