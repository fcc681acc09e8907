// Streaming validator of fine-tuning and batch JSONL files: reads line by line (files can be
// hundreds of MB), so memory stays at one line. Checks JSON, the record shape (schemas.ts), role
// order, the last role, non-empty content and every image payload, and the per-file upload limit.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { z } from 'zod';
import { UserError } from '../errors';
import { cappedLines } from '../text/cappedLines';
import { checkImageReference } from './imagePayload';
import { batchRecordSchema, fineTuningRecordSchema, type Message } from './schemas';

export type JsonlKind = 'finetune' | 'batch';
/** Mistral's documented per-file upload limit. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
/** One record longer than this is refused without being read into a string (see text/cappedLines). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface ValidateJsonlOptions {
  kind?: JsonlKind | 'auto';
  signal?: AbortSignal;
  /** Errors kept in `errors`; the rest are only counted (default 50). */
  maxErrors?: number;
  /** Longest accepted line (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
  maxFileBytes?: number;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface JsonlError {
  /** 1-based line number; 0 for a problem with the whole file. */
  line: number;
  message: string;
}

export interface JsonlValidation {
  ok: boolean;
  /** The kind checked against (detected from the first record when `auto`). */
  kind: JsonlKind | undefined;
  lines: number;
  bytes: number;
  errors: JsonlError[];
  /** All errors found, including those not kept in `errors`. */
  errorCount: number;
}

const NEXT_ROLES: Record<string, readonly string[]> = {
  start: ['system', 'user'],
  system: ['user', 'assistant', 'system'],
  user: ['assistant', 'system', 'user'],
  assistant: ['assistant', 'user'],
};

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

export function formatBytes(n: number): string {
  if (n >= 1048576) return `${(n / 1048576).toFixed(n >= 100 * 1048576 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} bytes`;
}

function formatZodIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
  return path ? `${path}: ${issue.message}` : issue.message;
}

async function checkMessages(messages: Message[], kind: JsonlKind): Promise<string[]> {
  const problems: string[] = [];
  let prev = 'start';
  for (const [i, m] of messages.entries()) {
    const where = `messages[${i}] (${m.role})`;
    if (!NEXT_ROLES[prev]!.includes(m.role)) {
      problems.push(prev === 'start' ? `${where}: the first message must be from the system or the user` : `${where}: ${article(m.role)} ${m.role} message cannot follow ${article(prev)} ${prev} message`);
    }
    prev = m.role;
    if (typeof m.content === 'string') {
      if (m.content.trim() === '') problems.push(`${where}: content is empty`);
      continue;
    }
    if (m.content.length === 0) problems.push(`${where}: content has no chunks`);
    // One image at a time, in order: a line holds few images, and awaiting each keeps memory at one payload.
    for (const [j, c] of m.content.entries()) {
      if (c.type === 'text') {
        if (c.text.trim() === '' && m.content.length === 1) problems.push(`${where}: content is empty`);
        continue;
      }
      const url = typeof c.image_url === 'string' ? c.image_url : c.image_url.url;
      const problem = await checkImageReference(url);
      if (problem) problems.push(`${where} chunk ${j}: image_url ${problem}`);
    }
  }
  const last = messages[messages.length - 1];
  if (kind === 'finetune' && last && last.role !== 'assistant') problems.push(`the last message must be from the assistant (found ${last.role})`);
  if (kind === 'batch' && last && last.role !== 'user') problems.push(`the last message of a batch request must be from the user (found ${last.role})`);
  return problems;
}

/** Problems of one line (already known to be JSON), for `kind`. */
export async function checkRecord(record: unknown, kind: JsonlKind): Promise<string[]> {
  const schema = kind === 'finetune' ? fineTuningRecordSchema : batchRecordSchema;
  const parsed = schema.safeParse(record);
  if (!parsed.success) return parsed.error.issues.slice(0, 3).map(formatZodIssue);
  const messages = 'messages' in parsed.data ? parsed.data.messages : parsed.data.body.messages;
  return checkMessages(messages, kind);
}

function checkCustomIdRepeat(record: unknown, line: number, seen: Map<string, number>, report: (line: number, message: string) => void): void {
  const id = (record as { custom_id?: unknown } | null)?.custom_id;
  if (typeof id !== 'string') return; // a missing or non-string id is already a schema error
  const first = seen.get(id);
  if (first === undefined) seen.set(id, line);
  else report(line, `custom_id ${JSON.stringify(id)} repeats line ${first}`);
}

function detectKind(record: unknown): JsonlKind | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  if ('messages' in record) return 'finetune';
  if ('custom_id' in record || 'body' in record) return 'batch';
  return undefined;
}

export async function validateJsonlFile(path: string, options: ValidateJsonlOptions = {}): Promise<JsonlValidation> {
  const maxErrors = options.maxErrors ?? 50;
  const maxFileBytes = options.maxFileBytes ?? MAX_UPLOAD_BYTES;
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch {
    throw new UserError(`Cannot read ${path}.`, 'Check the path of the JSONL file.');
  }
  const result: JsonlValidation = { ok: false, kind: options.kind === 'auto' ? undefined : options.kind, lines: 0, bytes, errors: [], errorCount: 0 };
  const report = (line: number, message: string) => {
    result.errorCount++;
    if (result.errors.length < maxErrors) result.errors.push({ line, message });
  };
  if (bytes > maxFileBytes) {
    report(0, `the file is ${formatBytes(bytes)}, over the ${formatBytes(maxFileBytes)} upload limit: split it into several files`);
  }
  if (bytes === 0) report(0, 'the file is empty');
  const stream = createReadStream(path, { signal: options.signal, highWaterMark: 1 << 20 });
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  let read = 0;
  // Batch predictions are joined back to their request by custom_id, so a repeat would silently
  // lose or mismatch an answer. One short string per line is kept: small next to the lines themselves.
  const customIdLines = new Map<string, number>();
  try {
    for await (const line of cappedLines(stream, maxLineBytes)) {
      result.lines++;
      const n = result.lines;
      read += line.bytes + 1;
      if (n % 200 === 0) options.onProgress?.({ done: Math.min(read, bytes), total: bytes });
      if ('tooLong' in line) {
        report(n, `the line is ${formatBytes(line.bytes)}, over the ${formatBytes(maxLineBytes)} limit for one record (is the file missing its line breaks?)`);
        continue;
      }
      const raw = line.text;
      // Editors on Windows often save UTF-8 with a byte-order mark; JSON.parse would reject it with a
      // confusing "Unexpected token" message, while the content itself is fine.
      const text = n === 1 && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
      if (text.trim() === '') {
        report(n, 'empty line (every line must be one JSON record)');
        continue;
      }
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (err) {
        report(n, `not valid JSON (${(err as Error).message})`);
        continue;
      }
      if (!result.kind) {
        result.kind = detectKind(record);
        if (!result.kind) {
          report(n, 'neither a fine-tuning record {"messages": [...]} nor a batch record {"custom_id", "body"}');
          continue;
        }
      }
      for (const problem of await checkRecord(record, result.kind)) report(n, problem);
      if (result.kind === 'batch') checkCustomIdRepeat(record, n, customIdLines, report);
    }
  } finally {
    stream.destroy();
  }
  options.signal?.throwIfAborted();
  options.onProgress?.({ done: bytes, total: bytes });
  result.ok = result.errorCount === 0 && result.lines > 0;
  return result;
}
