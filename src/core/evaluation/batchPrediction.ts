// Batch mode of a prediction run: the images not answered yet go to the Mistral Batch API as one job
// (temperature 0, the run's requests as prepared), we poll it, download the output and error files
// and join them to the run by custom_id. The job id is kept in predictions/.<slug>.batch.json until
// the answers are in, so an interrupted run (Ctrl+C, a closed window) picks the same job up again
// instead of paying for the images twice. The state is written before the job is created too (with
// a nonce the job carries in its metadata), so an interrupt between create and record finds that job
// in the server's list instead of creating a second, paid one.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { z } from 'zod';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fsutil/atomicWrite';
import { createMistralConnection, type BatchJob } from '../mistral/connection';
import { abortableSleep, type RetryPolicy } from '../mistral/retryPolicy';
import { importPredictions } from './importPredictions';
import { progressTracker, type PredictionControl } from './predictionProgress';
import { testBatchLines, type RunForEvaluation, type TestItem } from './runContext';

/** No jobId: the job was being created (nonce in its metadata) when the run stopped. */
const stateSchema = z.object({ jobId: z.string().optional(), nonce: z.string().optional(), startedAt: z.number().optional(), serverUrl: z.string(), model: z.string(), requests: z.number() });
type BatchState = z.infer<typeof stateSchema>;
type Connection = ReturnType<typeof createMistralConnection>;

const FINISHED = new Set(['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED']);

export interface BatchPredictionOptions {
  run: RunForEvaluation;
  todo: TestItem[];
  file: string;
  model: string;
  serverUrl: string;
  apiKey: string;
  policy: RetryPolicy;
  keyAction: string;
  answerSchema?: Record<string, unknown>;
  pollMs?: number;
  doneBefore: number;
}

export function batchStatePath(file: string): string {
  return join(dirname(file), `.${basename(file, '.jsonl')}.batch.json`);
}

async function readState(path: string): Promise<BatchState | undefined> {
  try {
    return stateSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch {
    return undefined;
  }
}

/** The input file of the job: the lines of the images still to do, with temperature 0 (and the schema). */
async function writeBatchInput(o: BatchPredictionOptions, path: string, signal?: AbortSignal): Promise<number> {
  const wanted = new Set(o.todo.map((t) => t.custom_id));
  const out = createWriteStream(path);
  let n = 0;
  try {
    for await (const l of testBatchLines(o.run.testFiles, signal)) {
      if (!wanted.has(l.custom_id)) continue;
      const body = { ...l.body, temperature: 0, ...(o.answerSchema ? { response_format: { type: 'json_schema', json_schema: { name: 'pixtune_label', schema: o.answerSchema, strict: true } } } : {}) };
      if (!out.write(JSON.stringify({ custom_id: l.custom_id, body }) + '\n')) await once(out, 'drain');
      n++;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return n;
}

/** The job created under `state.nonce` (newest first, a few pages of this model's jobs), if the server has it. */
async function jobOfNonce(conn: Connection, state: BatchState, signal?: AbortSignal): Promise<BatchJob | undefined> {
  const pageSize = 100;
  const createdAfter = state.startedAt !== undefined ? new Date(state.startedAt - 60 * 60_000) : undefined;
  for (let page = 0; page < 10; page++) {
    const list = await conn.batch.list({ model: state.model, page, pageSize, ...(createdAfter ? { createdAfter } : {}) }, signal);
    const jobs = list.data ?? [];
    const hit = jobs.find((j) => j.metadata?.pixtuneNonce === state.nonce);
    if (hit) return hit;
    if (jobs.length < pageSize) return undefined;
  }
  return undefined;
}

export async function runBatchPrediction(o: BatchPredictionOptions, ctl: PredictionControl): Promise<void> {
  const conn = createMistralConnection({ apiKey: o.apiKey, serverUrl: o.serverUrl, retry: o.policy, keyAction: o.keyAction });
  const statePath = batchStatePath(o.file);
  const progress = progressTracker(o.run.testItems.length, o.doneBefore, ctl.onProgress);
  let state = await readState(statePath);
  if (state && (state.serverUrl !== conn.serverUrl || state.model !== o.model)) state = undefined;
  if (state && state.jobId === undefined) {
    const found = state.nonce ? await jobOfNonce(conn, state, ctl.signal) : undefined;
    state = found ? { ...state, jobId: found.id } : undefined;
    if (state) await writeFileAtomic(statePath, JSON.stringify(state) + '\n');
  }
  let jobId = state?.jobId;
  if (jobId === undefined) {
    const input = join(dirname(o.file), `.${basename(o.file, '.jsonl')}.batch-input.jsonl`);
    try {
      await writeFileAtomic(input, '');
      const requests = await writeBatchInput(o, input, ctl.signal);
      const uploaded = await conn.files.upload(input, 'batch', undefined, ctl.signal);
      const creating: BatchState = { nonce: randomUUID(), startedAt: Date.now(), serverUrl: conn.serverUrl, model: o.model, requests };
      await writeFileAtomic(statePath, JSON.stringify(creating) + '\n');
      const job = await conn.batch.create({ inputFiles: [uploaded.file.id], endpoint: '/v1/chat/completions', model: o.model, metadata: { pixtune: 'evaluation', pixtuneNonce: creating.nonce! } }, ctl.signal);
      jobId = job.id;
      await writeFileAtomic(statePath, JSON.stringify({ ...creating, jobId }) + '\n');
    } finally {
      await rm(input, { force: true });
    }
  }
  progress.emit();
  let job: BatchJob;
  let wait = o.pollMs ?? 2000;
  for (;;) {
    job = await conn.batch.get(jobId, ctl.signal);
    progress.set(job.completedRequests, job.failedRequests);
    if (FINISHED.has(job.status)) break;
    await abortableSleep(wait, ctl.signal);
    wait = Math.min(wait * 1.5, 30_000);
  }
  const files: string[] = [];
  try {
    for (const [id, name] of [[job.outputFile, 'output'], [job.errorFile, 'errors']] as const) {
      if (!id) continue;
      const path = join(dirname(o.file), `.${basename(o.file, '.jsonl')}.batch-${name}.jsonl`);
      await conn.files.download(id, path, ctl.signal);
      files.push(path);
    }
    if (!files.length) {
      const why = job.errors.map((e) => e.message).join('; ');
      await rm(statePath, { force: true });
      throw new UserError(`The batch job ${job.id} ended ${job.status} without results${why ? `: ${why}` : '.'}`, 'Run the prediction again.');
    }
    await importPredictions({ run: o.run, files, model: o.model, out: o.file, signal: ctl.signal, lockHeld: true });
    await rm(statePath, { force: true });
  } finally {
    for (const f of files) await rm(f, { force: true });
  }
}
