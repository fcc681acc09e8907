// predictions/<model-slug>.jsonl of a run: one PredictionRecord per line, appended as answers arrive
// and synced to disk, so a crash loses at most the answers in flight. Reading keeps the last line of
// each custom_id (a retried error line is superseded by its answer) and ignores a torn last line (the
// process died mid-write). `compactPredictions` rewrites the file atomically with one line per image.
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../fsutil/atomicWrite';
import { predictionRecordSchema, type PredictionRecord } from './predictionRecord';
import { containedNameProblem } from '../fsutil/containedPath';
import { cappedLines } from '../text/cappedLines';

/** A prediction line holds an answer and its metadata, never an image: anything longer is not one. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export const PREDICTIONS_DIR = 'predictions';

/**
 * A file-name-safe slug of a model id. Ids that need changing ("ft:pixtral-12b:…", "org/model") get a
 * short hash of the id appended, so two ids that sanitise alike never share a file.
 */
export function modelSlug(modelId: string): string {
  const clean = modelId
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 100);
  if (clean === modelId && clean) return clean;
  const hash = createHash('sha256').update(modelId).digest('hex').slice(0, 8);
  return `${clean || 'model'}-${hash}`;
}

export function predictionsPath(runDir: string, modelId: string): string {
  return join(runDir, PREDICTIONS_DIR, `${modelSlug(modelId)}.jsonl`);
}

export interface PredictionsRead {
  /** One record per custom_id (the last line wins), in the order of those last lines. */
  records: PredictionRecord[];
  /** Lines that could not be used, with their line numbers. */
  problems: string[];
  /** Lines in the file (torn last line included). */
  lines: number;
  /** Lines superseded by a later line of the same custom_id. */
  superseded: number;
}

export async function readPredictions(file: string, signal?: AbortSignal): Promise<PredictionsRead> {
  const byId = new Map<string, PredictionRecord>();
  const problems: string[] = [];
  let lines = 0;
  let superseded = 0;
  let pending: { n: number; text: string } | undefined;
  const size = (await stat(file)).size;
  const endsWithNewline = size === 0 || (await lastByte(file, size)) === 0x0a;
  const take = (n: number, text: string, last: boolean) => {
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      // A torn last line is what a crash mid-append leaves: not a problem, the answer is asked again.
      if (!(last && !endsWithNewline)) problems.push(`line ${n}: not valid JSON`);
      return;
    }
    const parsed = predictionRecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      problems.push(`line ${n}: ${issue.path.join('.') || 'record'}: ${issue.message}`);
      return;
    }
    // The path names a dataset image that the review shows, moves and exports: never one outside it.
    const refused = containedNameProblem(parsed.data.path, { allowSubfolders: true });
    if (refused) {
      problems.push(`line ${n}: path ${JSON.stringify(parsed.data.path)} was refused: ${refused}`);
      return;
    }
    if (byId.has(parsed.data.custom_id)) {
      superseded++;
      byId.delete(parsed.data.custom_id);
    }
    byId.set(parsed.data.custom_id, parsed.data);
  };
  // Lines are capped (text/cappedLines): a file without newlines is a problem on its line, not a RangeError.
  for await (const line of cappedLines(createReadStream(file, { signal, highWaterMark: 1 << 20 }), MAX_RECORD_BYTES)) {
    lines++;
    if (pending) take(pending.n, pending.text, false);
    pending = undefined;
    if ('tooLong' in line) problems.push(`line ${lines}: ${line.bytes} bytes, longer than any prediction record`);
    else pending = { n: lines, text: line.text };
  }
  if (pending) take(pending.n, pending.text, true);
  return { records: [...byId.values()], problems, lines, superseded };
}

async function lastByte(file: string, size: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, size - 1);
    return buf[0]!;
  } finally {
    await fh.close();
  }
}

/**
 * Appends records line by line, each synced (fdatasync) before `append` resolves. Appends made while a
 * write is in flight are written and synced together, so many answers arriving at once cost one sync.
 * Opening cuts a torn last line off first, so the next line starts on a line of its own.
 */
export class PredictionsAppender {
  private queue: { line: string; done: () => void; fail: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly fh: FileHandle, readonly file: string) {}

  static async open(file: string): Promise<PredictionsAppender> {
    await mkdir(join(file, '..'), { recursive: true });
    const fh = await open(file, 'a+');
    try {
      const { size } = await fh.stat();
      if (size > 0) {
        const tail = Buffer.alloc(Math.min(size, 1 << 20));
        await fh.read(tail, 0, tail.length, size - tail.length);
        if (tail[tail.length - 1] !== 0x0a) {
          const nl = tail.lastIndexOf(0x0a);
          await fh.truncate(nl < 0 ? size - tail.length : size - tail.length + nl + 1);
        }
      }
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new PredictionsAppender(fh, file);
  }

  append(record: PredictionRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The predictions file is closed.'));
    const line = JSON.stringify(predictionRecordSchema.parse(record)) + '\n';
    return new Promise((done, fail) => {
      this.queue.push({ line, done, fail });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0);
      try {
        await this.fh.write(batch.map((b) => b.line).join(''));
        await this.fh.datasync();
        batch.forEach((b) => b.done());
      } catch (err) {
        batch.forEach((b) => b.fail(err));
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.fh.close();
  }
}

/** Rewrites the file atomically with one line per custom_id (the last one), when it has superseded lines and no unreadable ones. */
export async function compactPredictions(file: string): Promise<PredictionsRead> {
  const read = await readPredictions(file);
  // Lines we cannot read are left alone (and the file with them): they may be someone's to fix.
  if (read.superseded > 0 && read.problems.length === 0) {
    await writeFileAtomic(file, read.records.map((r) => JSON.stringify(r) + '\n').join(''));
  }
  return read;
}
