// The sandbox's Batch API: reads the uploaded input JSONL, answers each line with the chat model,
// and writes an output file (one result per line, in a shuffled order — the real service does not
// keep input order either, so clients must join on custom_id) and an error file for failed lines.
import { createReadStream } from 'node:fs';
import { cappedLines } from '../text/cappedLines';
import { MAX_LINE_BYTES } from '../training/validateJsonl';
import { createHash, randomUUID } from 'node:crypto';
import { completeChat, type TrainedModel } from './chatCompletion';
import type { FileStore } from './fileStore';
import { HttpError, forbidExtraKeys, isRecord, nowSeconds, validationError } from './wire';
import type { JobTimings } from './fineTuningJobs';
import { pause } from './pause';

const BATCH_KEYS = ['input_files', 'requests', 'endpoint', 'model', 'agent_id', 'metadata', 'timeout_hours'] as const;
const ENDPOINTS = [
  '/v1/chat/completions', '/v1/embeddings', '/v1/fim/completions', '/v1/moderations', '/v1/chat/moderations', '/v1/ocr',
  '/v1/classifications', '/v1/chat/classifications', '/v1/conversations', '/v1/audio/transcriptions',
];

interface Batch {
  wire: Record<string, unknown> & { id: string; status: string };
  abort: AbortController;
  results?: unknown[];
}

interface InputLine {
  custom_id: string | null;
  body: unknown;
}


/** A stable shuffle (by hash of the line id) so outputs are out of order but reproducible. */
function shuffled<T extends { id: string }>(rows: T[]): T[] {
  const key = (r: T) => createHash('sha256').update(r.id).digest('hex');
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

export class BatchJobStore {
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly files: FileStore,
    private readonly lookupFineTuned: (id: string) => TrainedModel | undefined,
    private readonly timings: JobTimings,
    private readonly closing: AbortSignal,
    /** Told the model of every line answered (the sandbox's per-model request counts). */
    private readonly onLine: (model: unknown) => void = () => {},
  ) {}

  create(body: unknown): Record<string, unknown> {
    if (!isRecord(body)) throw validationError([{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }]);
    forbidExtraKeys(body, BATCH_KEYS);
    if (typeof body.endpoint !== 'string' || !ENDPOINTS.includes(body.endpoint)) {
      throw validationError([{ loc: ['body', 'endpoint'], msg: `Input should be one of ${ENDPOINTS.join(', ')}`, type: 'enum', input: body.endpoint }]);
    }
    if (body.endpoint !== '/v1/chat/completions') throw new HttpError(400, { object: 'error', message: `The Pixtune sandbox only runs batches for /v1/chat/completions.`, type: 'invalid_request_error', param: null, code: null });
    const inputFiles = Array.isArray(body.input_files) ? body.input_files : [];
    const inline = Array.isArray(body.requests) ? body.requests : undefined;
    if (!inputFiles.length && !inline) throw validationError([{ loc: ['body', 'input_files'], msg: 'Either input_files or requests is required', type: 'missing' }]);
    inputFiles.forEach((id, i) => {
      if (typeof id !== 'string' || !this.files.get(id)) throw validationError([{ loc: ['body', 'input_files', i], msg: `File ${String(id)} not found`, input: id }]);
    });
    const id = randomUUID();
    const batch: Batch = {
      wire: {
        id,
        object: 'batch',
        input_files: inputFiles as string[],
        metadata: isRecord(body.metadata) ? body.metadata : null,
        endpoint: body.endpoint,
        model: typeof body.model === 'string' ? body.model : null,
        agent_id: null,
        output_file: null,
        error_file: null,
        errors: [],
        outputs: null,
        status: 'QUEUED',
        created_at: nowSeconds(),
        total_requests: 0,
        completed_requests: 0,
        succeeded_requests: 0,
        failed_requests: 0,
        started_at: null,
        completed_at: null,
      },
      abort: new AbortController(),
    };
    this.batches.set(id, batch);
    void this.run(batch, inline as InputLine[] | undefined).catch((err) => {
      if (batch.abort.signal.aborted || this.closing.aborted) return;
      batch.wire.status = 'FAILED';
      batch.wire.errors = [{ message: (err as Error).message, count: 1 }];
      batch.wire.completed_at = nowSeconds();
    });
    return structuredClone(batch.wire);
  }

  private async readInputs(batch: Batch, inline: InputLine[] | undefined): Promise<InputLine[]> {
    if (inline) return inline;
    const lines: InputLine[] = [];
    for (const fid of batch.wire.input_files as string[]) {
      const f = this.files.require(fid);
      // Capped lines: an uploaded file without newlines is one bad line, not a RangeError in the host.
      for await (const line of cappedLines(createReadStream(f.path), MAX_LINE_BYTES)) {
        if ('tooLong' in line) {
          lines.push({ custom_id: null, body: undefined });
          continue;
        }
        const text = line.text;
        if (!text.trim()) continue;
        try {
          const obj = JSON.parse(text) as Record<string, unknown>;
          lines.push({ custom_id: typeof obj.custom_id === 'string' ? obj.custom_id : null, body: obj.body });
        } catch {
          lines.push({ custom_id: null, body: undefined });
        }
      }
    }
    return lines;
  }

  private async run(batch: Batch, inline: InputLine[] | undefined): Promise<void> {
    const signal = AbortSignal.any([batch.abort.signal, this.closing]);
    const w = batch.wire;
    await pause(Math.round(500 / this.timings.speed), signal);
    const inputs = await this.readInputs(batch, inline);
    w.status = 'RUNNING';
    w.started_at = nowSeconds();
    w.total_requests = inputs.length;
    const ok: { id: string; line: string }[] = [];
    const failed: { id: string; line: string }[] = [];
    const prefix = w.id.replace(/-/g, '').slice(0, 8);
    for (const [n, input] of inputs.entries()) {
      if (signal.aborted) break;
      const lineId = `batch-${prefix}-${n}-${randomUUID()}`;
      try {
        const body = isRecord(input.body) ? { ...input.body, model: input.body.model ?? w.model ?? undefined } : input.body;
        this.onLine(isRecord(body) ? body.model : undefined);
        const answer = await completeChat(body, this.lookupFineTuned);
        ok.push({ id: lineId, line: JSON.stringify({ id: lineId, custom_id: input.custom_id, response: { status_code: 200, body: answer }, error: null }) });
        w.succeeded_requests = (w.succeeded_requests as number) + 1;
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        const errBody = err instanceof HttpError ? err.body : { message: (err as Error).message };
        const message = isRecord(errBody) && typeof errBody.message === 'string' ? errBody.message : JSON.stringify(errBody);
        failed.push({ id: lineId, line: JSON.stringify({ id: lineId, custom_id: input.custom_id, response: { status_code: status, body: errBody }, error: { message, code: String(status) } }) });
        w.failed_requests = (w.failed_requests as number) + 1;
      }
      w.completed_requests = (w.completed_requests as number) + 1;
      // Yield between lines so status polls see progress.
      await pause(Math.max(1, Math.round(20 / this.timings.speed)), this.closing);
    }
    if (ok.length) w.output_file = (await this.files.addGenerated(`${w.id}.jsonl`, shuffled(ok).map((r) => r.line).join('\n') + '\n', 'batch_result')).id;
    if (failed.length) {
      w.error_file = (await this.files.addGenerated(`${w.id}_error.jsonl`, shuffled(failed).map((r) => r.line).join('\n') + '\n', 'batch_error')).id;
      w.errors = [{ message: `${failed.length} request(s) failed; see the error file.`, count: failed.length }];
    }
    batch.results = [...ok, ...failed].map((r) => JSON.parse(r.line) as unknown);
    w.completed_at = nowSeconds();
    w.status = batch.abort.signal.aborted ? 'CANCELLED' : 'SUCCESS';
  }

  get(id: string, inline: boolean): Record<string, unknown> {
    const b = this.batches.get(id);
    if (!b) throw new HttpError(404, { detail: 'Not Found' });
    const out = structuredClone(b.wire);
    // `?inline=true` asks for the results in the answer; the element shape is undocumented, so the
    // sandbox gives the output-file lines themselves (only once the batch has finished).
    if (inline) out.outputs = b.results ?? null;
    return out;
  }

  cancel(id: string): Record<string, unknown> {
    const b = this.batches.get(id);
    if (!b) throw new HttpError(404, { detail: 'Not Found' });
    if (b.wire.status === 'QUEUED' || b.wire.status === 'RUNNING') {
      b.wire.status = 'CANCELLATION_REQUESTED';
      b.abort.abort();
      // The running loop notices on its next line and finishes as CANCELLED; a queued batch ends now.
      setTimeout(() => {
        if (b.wire.status === 'CANCELLATION_REQUESTED') {
          b.wire.status = 'CANCELLED';
          b.wire.completed_at = nowSeconds();
        }
      }, Math.max(1, Math.round(300 / this.timings.speed))).unref();
    }
    return structuredClone(b.wire);
  }

  list(q: URLSearchParams): Record<string, unknown> {
    let all = [...this.batches.values()].map((b) => b.wire);
    const statuses = q.getAll('status');
    const model = q.get('model');
    if (statuses.length) all = all.filter((b) => statuses.includes(b.status));
    if (model) all = all.filter((b) => b.model === model);
    if (q.get('order_by') !== 'created') all.reverse();
    const page = Math.max(0, Number(q.get('page') ?? 0) || 0);
    const size = Math.max(1, Number(q.get('page_size') ?? 100) || 100);
    return { object: 'list', data: structuredClone(all.slice(page * size, (page + 1) * size)), total: all.length };
  }
}
