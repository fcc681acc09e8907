// Joins answers made elsewhere to a run, by custom_id: a Mistral Batch API output file (and its error
// file), our trainer's predict output (the same format, see src/trainer/CONTRACT.md), or a predictions
// file written by another tool. Lines come in any order; lines of images the run does not have are
// reported, images without a line are listed as missing. Answers go through the one parser.
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors';
import { parseAnswer } from './parseAnswer';
import { MAX_RECORD_BYTES, PredictionsAppender, compactPredictions, predictionsPath } from './predictionsFile';
import { cappedLines } from '../text/cappedLines';
import { lockPredictions } from './predictionLock';
import type { PredictionRecord } from './predictionRecord';
import type { RunForEvaluation, TestItem } from './runContext';

const usageWire = z.object({ prompt_tokens: z.number().nonnegative(), completion_tokens: z.number().nonnegative(), total_tokens: z.number().nonnegative().optional() }).passthrough();
const contentWire = z.union([z.string(), z.array(z.object({ type: z.string().optional(), text: z.string().optional() }).passthrough()), z.null()]);

const batchLineWire = z
  .object({
    custom_id: z.union([z.string(), z.number()]).transform(String),
    response: z
      .object({
        status_code: z.number().optional(),
        body: z
          .object({
            model: z.string().optional(),
            choices: z.array(z.object({ message: z.object({ content: contentWire.optional() }).passthrough() }).passthrough()).optional(),
            usage: usageWire.optional(),
          })
          .passthrough()
          .nullish(),
      })
      .passthrough()
      .nullish(),
    error: z.union([z.string(), z.object({ message: z.string().optional() }).passthrough()]).nullish(),
    latency_ms: z.number().nonnegative().optional(),
  })
  .passthrough();

const foreignLineWire = z
  .object({
    custom_id: z.union([z.string(), z.number()]).transform(String),
    raw: z.string().optional(),
    predicted: z.string().nullish(),
    label: z.string().nullish(),
    description: z.string().optional(),
    model: z.string().optional(),
  })
  .passthrough();

/** The record of one answered image: the answer parsed against the run's classes. */
export function answerRecord(item: Pick<TestItem, 'custom_id' | 'path' | 'truth'>, raw: string, classes: string[], extra: Partial<PredictionRecord> = {}): PredictionRecord {
  const parsed = parseAnswer(raw, classes);
  return {
    custom_id: item.custom_id,
    path: item.path,
    truth: item.truth,
    predicted: parsed.predicted,
    valid: parsed.valid,
    raw,
    ...(parsed.description !== undefined ? { description: parsed.description } : {}),
    ...extra,
  };
}

export function errorRecord(item: Pick<TestItem, 'custom_id' | 'path' | 'truth'>, error: string, extra: Partial<PredictionRecord> = {}): PredictionRecord {
  return { custom_id: item.custom_id, path: item.path, truth: item.truth, predicted: null, valid: false, raw: '', error, ...extra };
}

function contentText(content: z.infer<typeof contentWire> | undefined): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => c.text ?? '').join('');
  return '';
}

/** One line of any accepted format → a record for `item`, or a problem. */
export function recordFromLine(value: unknown, item: TestItem, classes: string[], model: string | undefined): PredictionRecord | string {
  const batch = batchLineWire.safeParse(value);
  if (batch.success && ('response' in (value as object) || 'error' in (value as object))) {
    const b = batch.data;
    const body = b.response?.body;
    const status = b.response?.status_code;
    const m = model ?? body?.model;
    const extra: Partial<PredictionRecord> = { ...(m ? { model: m } : {}), ...(b.latency_ms !== undefined ? { latencyMs: b.latency_ms } : {}) };
    const failed = b.error || !body || (status !== undefined && (status < 200 || status > 299)) || !body.choices?.length;
    if (failed) {
      const why = typeof b.error === 'string' ? b.error : b.error?.message ?? (status !== undefined && (status < 200 || status > 299) ? `HTTP ${status}` : 'no answer in the line');
      return errorRecord(item, why, extra);
    }
    const u = body.usage;
    const usage = u ? { usage: { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, ...(u.total_tokens !== undefined ? { total_tokens: u.total_tokens } : {}) } } : {};
    return answerRecord(item, contentText(body.choices![0]!.message.content), classes, { ...extra, ...usage });
  }
  const foreign = foreignLineWire.safeParse(value);
  if (!foreign.success) return 'neither a batch output line nor a prediction (custom_id and raw, predicted or label)';
  const f = foreign.data;
  const m = model ?? f.model;
  const extra: Partial<PredictionRecord> = m ? { model: m } : {};
  if (f.raw !== undefined) return answerRecord(item, f.raw, classes, { ...extra, ...(f.description !== undefined ? { description: f.description } : {}) });
  const label = f.predicted ?? f.label;
  if (label === undefined) return 'no raw, predicted or label field';
  // A bare label is matched like an answer that is just the label; null stays an invalid answer.
  return answerRecord(item, label ?? '', classes, { ...extra, raw: label ?? '', ...(f.description !== undefined ? { description: f.description } : {}) });
}

export interface ImportResult {
  file: string;
  model: string;
  /** Lines joined to an image of the run (answers and errors). */
  imported: number;
  errors: number;
  /** Test images of the run that no line answered. */
  missing: string[];
  /** Lines naming an image the run does not have. */
  unknown: number;
  problems: string[];
}

export interface ImportOptions {
  run: RunForEvaluation;
  /** Output and error files; error lines never replace an answer for the same image. */
  files: string[];
  /** The model the answers came from; default: the model named in the lines. */
  model?: string;
  /** Default: predictions/<slug of model>.jsonl of the run. */
  out?: string;
  signal?: AbortSignal;
  /** The caller already holds the predictions file's lock (a batch run importing its own results). */
  lockHeld?: boolean;
}

async function* jsonLines(file: string, signal?: AbortSignal): AsyncGenerator<{ n: number; value: unknown } | { n: number; bad: true; why: string }> {
  // An output line holds an answer, never an image: one longer than a prediction record is not one.
  let n = 0;
  for await (const capped of cappedLines(createReadStream(file, { signal, highWaterMark: 1 << 20 }), MAX_RECORD_BYTES)) {
    n++;
    if ('tooLong' in capped) {
      yield { n, bad: true, why: `${capped.bytes} bytes, longer than any answer line` };
      continue;
    }
    const line = capped.text;
    if (!line.trim()) continue;
    try {
      yield { n, value: JSON.parse(n === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line) };
    } catch {
      yield { n, bad: true, why: 'not valid JSON' };
    }
  }
}

export async function importPredictions(opts: ImportOptions): Promise<ImportResult> {
  const items = new Map(opts.run.testItems.map((t) => [t.custom_id, t]));
  const got = new Map<string, PredictionRecord>();
  const problems: string[] = [];
  let unknown = 0;
  let model = opts.model;
  for (const file of opts.files) {
    for await (const l of jsonLines(file, opts.signal)) {
      if ('bad' in l) {
        problems.push(`${file} line ${l.n}: ${l.why}`);
        continue;
      }
      const id = (l.value as { custom_id?: unknown } | null)?.custom_id;
      const item = typeof id === 'string' || typeof id === 'number' ? items.get(String(id)) : undefined;
      if (!item) {
        unknown++;
        continue;
      }
      const rec = recordFromLine(l.value, item, opts.run.classes, model);
      if (typeof rec === 'string') {
        problems.push(`${file} line ${l.n}: ${rec}`);
        continue;
      }
      model ??= rec.model;
      const had = got.get(item.custom_id);
      if (had && had.error === undefined && rec.error !== undefined) continue;
      got.set(item.custom_id, rec);
    }
  }
  if (got.size === 0) throw new UserError(`No line of ${opts.files.join(', ')} matches an image of this run's test split.`, 'Check that the file belongs to this run (custom_id is the image index in manifest.json).');
  if (!model) throw new UserError('The file does not say which model answered.', 'Give the model (--model) when importing.');
  const out = opts.out ?? predictionsPath(opts.run.runDir, model);
  const release = opts.lockHeld ? undefined : await lockPredictions(out);
  try {
    const appender = await PredictionsAppender.open(out);
    try {
      // Appended together: the appender syncs them in a few writes instead of one per line.
      await Promise.all([...got.values()].map((rec) => appender.append({ ...rec, model })));
    } finally {
      await appender.close();
    }
    await compactPredictions(out);
  } finally {
    await release?.();
  }
  return {
    file: out,
    model,
    imported: got.size,
    errors: [...got.values()].filter((r) => r.error !== undefined).length,
    missing: [...items.keys()].filter((id) => !got.has(id)),
    unknown,
    problems,
  };
}
