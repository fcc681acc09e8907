// A streaming multipart/form-data parser: file parts go straight to disk (hashing and counting lines
// on the way), so the sandbox accepts a 500 MB upload without holding it in memory.
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { finished } from 'node:stream/promises';

export interface StoredPart {
  field: string;
  filename: string;
  contentType?: string;
  path: string;
  bytes: number;
  sha256: string;
  lines: number;
  /** The first bytes of the content, for guessing what kind of file it is. */
  head: string;
}

export interface MultipartResult {
  fields: Record<string, string>;
  files: StoredPart[];
}

export class MultipartError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const HEAD_BYTES = 4096;

export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function parseHeaders(block: string): { name?: string; filename?: string; contentType?: string } {
  const out: { name?: string; filename?: string; contentType?: string } = {};
  for (const line of block.split('\r\n')) {
    const idx = line.indexOf(':');
    if (idx < 0) continue;
    const key = line.slice(0, idx).trim().toLowerCase();
    const value = line.slice(idx + 1).trim();
    if (key === 'content-disposition') {
      out.name = /\bname="([^"]*)"/i.exec(value)?.[1];
      const fn = /\bfilename\*=UTF-8''([^;]+)/i.exec(value)?.[1];
      out.filename = fn ? decodeURIComponent(fn) : /\bfilename="([^"]*)"/i.exec(value)?.[1];
    } else if (key === 'content-type') out.contentType = value;
  }
  return out;
}

interface PartSink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

export async function parseMultipartToDisk(
  body: AsyncIterable<Buffer | Uint8Array>,
  boundary: string,
  dir: string,
  maxBytes: number,
): Promise<MultipartResult> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const result: MultipartResult = { fields: {}, files: [] };
  // Prepend CRLF so the very first boundary matches the same "\r\n--boundary" delimiter.
  let buf: Buffer = Buffer.from(CRLF);
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  let sink: PartSink | undefined;
  let total = 0;
  const openParts: { out: WriteStream; path: string }[] = [];

  const startPart = (headerBlock: string): PartSink => {
    const h = parseHeaders(headerBlock);
    if (!h.name) throw new MultipartError('A multipart part has no name.');
    const field = h.name;
    if (h.filename === undefined) {
      const chunks: Buffer[] = [];
      let size = 0;
      return {
        async write(c) {
          size += c.length;
          if (size > MAX_FIELD_BYTES) throw new MultipartError(`The form field "${field}" is too long.`);
          chunks.push(c);
        },
        async end() {
          result.fields[field] = Buffer.concat(chunks).toString('utf8');
        },
      };
    }
    const path = join(dir, randomUUID());
    const out = createWriteStream(path);
    // A disk error (ENOSPC) or the destroy of a failed upload must never be an unhandled 'error'
    // event: that would take the whole sandbox — and the extension host it runs in — down.
    let failure: Error | undefined;
    out.on('error', (e) => (failure ??= e));
    openParts.push({ out, path });
    const hash = createHash('sha256');
    let bytes = 0;
    let lines = 0;
    let last = -1;
    let head = '';
    return {
      async write(c) {
        if (failure) throw failure;
        hash.update(c);
        bytes += c.length;
        for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
        last = c[c.length - 1] ?? last;
        if (head.length < HEAD_BYTES) head += c.subarray(0, HEAD_BYTES - head.length).toString('utf8');
        if (!out.write(c)) await drained(out, () => failure);
      },
      async end() {
        if (failure) throw failure;
        out.end();
        await finished(out);
        // A last line without a trailing newline still counts.
        if (bytes > 0 && last !== 10) lines++;
        result.files.push({ field, filename: h.filename!, contentType: h.contentType, path, bytes, sha256: hash.digest('hex'), lines, head });
      },
    };
  };

  // A function, because TypeScript narrows `state` in the loop and misses the closure's writes.
  const isDone = () => state === 'done';
  const process = async (final: boolean): Promise<void> => {
    for (;;) {
      if (state === 'preamble' || state === 'body') {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          // Keep enough of the tail that a delimiter split across chunks is still found.
          const keep = delimiter.length - 1;
          if (buf.length > keep) {
            if (state === 'body') await sink!.write(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
          }
          if (final) throw new MultipartError('The multipart body ended before its closing boundary.');
          return;
        }
        if (state === 'body') {
          if (i > 0) await sink!.write(buf.subarray(0, i));
          await sink!.end();
          sink = undefined;
        }
        buf = buf.subarray(i + delimiter.length);
        state = 'after-delimiter';
      }
      if (state === 'after-delimiter') {
        if (buf.length < 2) {
          if (final) throw new MultipartError('The multipart body ended before its closing boundary.');
          return;
        }
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return;
        }
        if (!buf.subarray(0, 2).equals(CRLF)) throw new MultipartError('Malformed multipart boundary.');
        buf = buf.subarray(2);
        state = 'headers';
      }
      if (state === 'headers') {
        const end = buf.indexOf(HEADER_END);
        if (end < 0) {
          if (buf.length > MAX_HEADER_BYTES || final) throw new MultipartError('Malformed multipart part headers.');
          return;
        }
        sink = startPart(buf.subarray(0, end).toString('utf8'));
        buf = buf.subarray(end + HEADER_END.length);
        state = 'body';
        continue;
      }
      if (state === 'done') return;
    }
  };

  try {
    for await (const chunk of body) {
      total += chunk.length;
      if (total > maxBytes) throw new MultipartError(`The upload is larger than ${Math.round(maxBytes / 1e6)} MB.`, 413);
      buf = buf.length ? Buffer.concat([buf, Buffer.from(chunk)]) : Buffer.from(chunk);
      // After the closing boundary the epilogue is read and ignored (breaking out of the loop
      // would destroy the request stream and, with it, the socket the answer goes out on).
      if (!isDone()) await process(false);
      else buf = Buffer.alloc(0);
    }
    if (!isDone()) await process(true);
  } catch (err) {
    // An aborted or refused upload leaves nothing behind: not the part being written, not the parts before it.
    await Promise.all(openParts.map(({ out }) => (out.closed ? undefined : new Promise<void>((resolve) => out.destroy().once('close', () => resolve())))));
    await removeStoredParts(openParts.map((p) => p.path));
    throw err;
  }
  return result;
}

/** Deletes the files of parts (after a failed upload, or when the request is refused after parsing). */
export async function removeStoredParts(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true })));
}

/** Resolves on 'drain', rejects on the stream's error (the permanent listener records it too). */
function drained(out: WriteStream, failure: () => Error | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const f = failure();
    if (f) return reject(f);
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      out.off('drain', onDrain);
      reject(e);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}
