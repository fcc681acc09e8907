// Runs a model over the test split of a prepared run and appends every answer to
// predictions/<model-slug>.jsonl as it arrives. Live: chat completions at temperature 0 with bounded,
// adaptive concurrency. Batch: one Mistral Batch API job (see batchPrediction.ts). Either way a run
// resumes: images already answered are not asked again (lines with an error are), and the file ends
// with one line per image. A preflight checks server, key and model before any image is sent; if it
// fails, nothing is written.
import { stat } from 'node:fs/promises';
import { UserError, isAbortError } from '../errors';
import { CLI_KEY_ACTION, MistralError } from '../mistral/errors';
import type { RetryOptions } from '../mistral/retryPolicy';
import { AdaptiveGate, GatedRetryPolicy } from './adaptiveConcurrency';
import { runBatchPrediction } from './batchPrediction';
import { labelSchema, predictionClient, type PredictionClient } from './chatClients';
import { answerRecord, errorRecord } from './importPredictions';
import { computeReport, type ReportOptions } from './metrics';
import type { EvaluationReport, PredictionRecord } from './predictionRecord';

export type { PredictionControl, PredictionProgress };
import { PredictionsAppender, compactPredictions, predictionsPath, readPredictions } from './predictionsFile';
import { lockPredictions } from './predictionLock';
import { progressTracker, type PredictionControl, type PredictionProgress } from './predictionProgress';
import { loadRunForEvaluation, type RunForEvaluation, type TestItem } from './runContext';

export interface RunPredictionOptions {
  runDir: string;
  model: string;
  provider: 'mistral' | 'openai';
  serverUrl: string;
  apiKey?: string;
  mode: 'live' | 'batch';
  /** Requests in flight at most (live). Default 8. */
  concurrency?: number;
  /** Constrain `label` to the class list with a JSON schema (Mistral, vLLM). */
  structuredOutput?: boolean;
  /** Retry settings (tests shorten them). */
  retry?: Partial<RetryOptions>;
  /** What to tell the user when the key is rejected. */
  keyAction?: string;
  /** Batch: first poll interval in ms (default 2000). */
  pollMs?: number;
  pricePerMillionTokens?: ReportOptions['pricePerMillionTokens'];
}

export interface PredictionResult {
  file: string;
  total: number;
  /** Images with an answer (errors excluded). */
  done: number;
  /** Images whose request failed (retried on the next run). */
  errors: number;
  report: EvaluationReport;
}

/** Errors after which asking the next image is pointless: the key, the model or the server is gone. */
const STOPS_THE_RUN = new Set(['auth', 'model-unavailable', 'unreachable', 'fine-tuning-unavailable']);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Records of an earlier session; images answered there are not asked again. */
export async function answeredBefore(file: string): Promise<Map<string, PredictionRecord>> {
  if (!(await exists(file))) return new Map();
  const read = await readPredictions(file);
  return new Map(read.records.filter((r) => r.error === undefined).map((r) => [r.custom_id, r]));
}

/**
 * After a cancel, requests already sent get this long to come back and be written: an answer the
 * server already computed is kept rather than asked again on resume.
 */
const DRAIN_MS = 10_000;

async function runLive(run: RunForEvaluation, todo: TestItem[], client: PredictionClient, gate: AdaptiveGate, file: string, opts: RunPredictionOptions, ctl: PredictionControl, doneBefore: number): Promise<void> {
  const appender = await PredictionsAppender.open(file);
  const progress = progressTracker(run.testItems.length, doneBefore, ctl.onProgress);
  progress.emit();
  const stop = new AbortController(); // a fatal error: stop at once
  const drainEnd = new AbortController(); // a cancel: stop starting requests, then give in-flight ones DRAIN_MS
  let drainTimer: NodeJS.Timeout | undefined;
  const onCancel = () => (drainTimer = setTimeout(() => drainEnd.abort(ctl.signal!.reason), DRAIN_MS));
  ctl.signal?.addEventListener('abort', onCancel, { once: true });
  const noMoreStarts = ctl.signal ? AbortSignal.any([ctl.signal, stop.signal]) : stop.signal;
  const requestSignal = AbortSignal.any([drainEnd.signal, stop.signal]);
  let fatal: unknown;
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !noMoreStarts.aborted) {
      try {
        await gate.acquire(noMoreStarts);
      } catch {
        break;
      }
      const item = todo[next++];
      if (!item || noMoreStarts.aborted) {
        gate.release(true);
        break;
      }
      const t0 = performance.now();
      let record: PredictionRecord;
      let ok = true;
      try {
        const answer = await client.complete(item.request, requestSignal);
        const latencyMs = Math.round((performance.now() - t0) * 10) / 10;
        record = answerRecord(item, answer.content, run.classes, { model: opts.model, latencyMs, ...(answer.usage ? { usage: answer.usage } : {}) });
      } catch (err) {
        ok = false;
        if (requestSignal.aborted || isAbortError(err)) {
          gate.release(false);
          break;
        }
        if (err instanceof MistralError && STOPS_THE_RUN.has(err.kind)) {
          fatal ??= err;
          stop.abort();
          gate.release(false);
          break;
        }
        record = errorRecord(item, err instanceof Error ? err.message : String(err), { model: opts.model });
      }
      gate.release(ok);
      await appender.append(record);
      progress.answered(record.error !== undefined);
    }
  };
  try {
    await Promise.all(Array.from({ length: gate.max }, worker));
  } finally {
    clearTimeout(drainTimer);
    ctl.signal?.removeEventListener('abort', onCancel);
    await appender.close();
  }
  if (fatal) throw fatal;
  ctl.signal?.throwIfAborted();
}

export async function runPrediction(opts: RunPredictionOptions, ctl: PredictionControl = {}): Promise<PredictionResult> {
  if (opts.provider === 'openai' && opts.mode === 'batch') {
    throw new UserError('Batch mode needs the Mistral Batch API; an OpenAI-compatible server is asked live.', 'Run it with mode "live".');
  }
  const concurrency = opts.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UserError(`The concurrency must be a whole number from 1 to 256, got ${concurrency}.`);
  const run = await loadRunForEvaluation(opts.runDir, ctl.signal);
  const file = predictionsPath(opts.runDir, opts.model);
  const gate = new AdaptiveGate(concurrency);
  const policy = new GatedRetryPolicy(gate, opts.retry);
  const keyAction = opts.keyAction ?? (opts.provider === 'openai' ? 'Set OPENAI_API_KEY to a valid key and try again.' : CLI_KEY_ACTION);
  const answerSchema = opts.structuredOutput ? labelSchema(run.classes) : undefined;
  const client = predictionClient({ provider: opts.provider, serverUrl: opts.serverUrl, model: opts.model, apiKey: opts.apiKey, policy, keyAction, answerSchema });

  // One evaluation per model and run at a time, or every image is asked (and paid for) twice.
  const release = await lockPredictions(file);
  try {
    const before = await answeredBefore(file);
    const todo = run.testItems.filter((t) => !before.has(t.custom_id));
    if (todo.length) {
      // Nothing is written before the server, the key and the model have been checked.
      await client.preflight(ctl.signal);
      if (opts.mode === 'batch') {
        await runBatchPrediction({ run, todo, file, model: opts.model, serverUrl: opts.serverUrl, apiKey: opts.apiKey ?? '', policy, keyAction, answerSchema, pollMs: opts.pollMs, doneBefore: before.size }, ctl);
      } else {
        await runLive(run, todo, client, gate, file, opts, ctl, before.size);
      }
    }
    const read = await compactPredictions(file);
    const inRun = new Set(run.testItems.map((t) => t.custom_id));
    const records = read.records.filter((r) => inRun.has(r.custom_id));
    const errors = records.filter((r) => r.error !== undefined).length;
    return {
      file,
      total: run.testItems.length,
      done: records.length - errors,
      errors,
      report: computeReport(records, run.classes, { pricePerMillionTokens: opts.pricePerMillionTokens }),
    };
  } finally {
    await release();
  }
}
