// Uploading training/batch files: streamed from disk, with progress, and reusing a file the server
// already holds with the same content.
//
// Why not `sdk.files.upload`: SDK 2.7.0 accepts a Blob (and `fs.openAsBlob` is disk-backed), but its
// request loop calls `request.clone()` before each attempt, which tees the body stream and keeps
// the untouched branch's chunks in memory, and it reports no progress. Node's fetch (undici) with a
// streamed body also holds most of the file in memory. bench/mistralUpload.bench.ts measures all
// three (peak RSS for 200 MB: SDK ≈ 600 MB, fetch ≈ 290 MB, node:http ≈ 120 MB). So uploads are one
// multipart POST built here and sent with node:http(s) (MistralTransport.send with a Readable body),
// with a known Content-Length, the body re-read from disk on every retry, the answer zod-validated.
//
// Reuse: with `cachePath`, a small JSON map sha256 → {serverUrl, fileId} remembers our uploads; a
// cached id is confirmed with a GET before reuse (files expire or get deleted). Without a cache, or
// on a miss, `matchByNameAndSize` optionally looks for a server file with the same name, size and
// purpose — weaker (same name and size does not prove same content), so it is off by default.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { basename } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fsutil/atomicWrite';
import type { MistralTransport } from './httpTransport';
import { uploadedFileSchema, type UploadedFile } from './wireSchemas';

export interface Progress {
  done: number;
  total: number;
  rate?: number;
  etaSeconds?: number;
}
export type ProgressCallback = (p: Progress) => void;

export type FilePurpose = 'fine-tune' | 'batch' | 'ocr';

const CHUNK_BYTES = 256 * 1024;

export interface UploadOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** JSON file remembering sha256 → uploaded file id per server. */
  cachePath?: string;
  matchByNameAndSize?: boolean;
}

export interface UploadResult {
  file: UploadedFile;
  sha256: string;
  /** True when an existing server file was reused and nothing was sent. */
  reused: boolean;
}

const cacheEntrySchema = z.object({
  serverUrl: z.string(),
  fileId: z.string(),
  filename: z.string(),
  bytes: z.number(),
  purpose: z.string(),
});
const cacheSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), z.array(cacheEntrySchema)) });
type UploadCache = z.infer<typeof cacheSchema>;

async function readCache(path: string): Promise<UploadCache> {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // missing or unreadable: start over, the cache is only an optimisation
  }
  return { version: 1, entries: {} };
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function quoteFilename(name: string): string {
  return name.replace(/["\\\r\n]/g, '_');
}

/** A multipart/form-data body (file part first, like the SDK) whose file bytes stream from disk. */
export function multipartFromFile(
  path: string,
  size: number,
  filename: string,
  fields: Record<string, string>,
  onBytes?: (n: number) => void,
): { body: Readable; headers: Record<string, string> } {
  const boundary = `----pixtune${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoteFilename(filename)}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `\r\n--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}`)
      .join('') + `\r\n--${boundary}--\r\n`,
  );
  async function* parts(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
      onBytes?.((chunk as Buffer).length);
      yield chunk as Buffer;
    }
    yield tail;
  }
  return {
    body: Readable.from(parts(), { objectMode: false }),
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + size + tail.length),
    },
  };
}

export interface UploadDeps {
  transport: MistralTransport;
  /** Returns the file if the server still has it, undefined on 404. */
  retrieve: (fileId: string, signal?: AbortSignal) => Promise<UploadedFile | undefined>;
  /** Lists the server's files with this purpose (for name+size matching). */
  list: (purpose: string, signal?: AbortSignal) => Promise<UploadedFile[]>;
}

export async function uploadFile(deps: UploadDeps, path: string, purpose: FilePurpose, opts: UploadOptions = {}): Promise<UploadResult> {
  const { size } = await stat(path);
  const filename = basename(path);
  const serverUrl = deps.transport.config.serverUrl;
  const sha256 = await sha256File(path, opts.signal);

  const cache = opts.cachePath ? await readCache(opts.cachePath) : undefined;
  for (const entry of cache?.entries[sha256] ?? []) {
    if (entry.serverUrl !== serverUrl || entry.purpose !== purpose) continue;
    const existing = await deps.retrieve(entry.fileId, opts.signal);
    // The server's own record decides: a file of another purpose (or size) is not this upload.
    if (existing && sameUpload(existing, purpose, size)) {
      opts.onProgress?.({ done: size, total: size });
      return { file: existing, sha256, reused: true };
    }
  }
  if (opts.matchByNameAndSize) {
    // Not every server honours the purpose filter of the listing: the purpose is checked here too.
    const match = (await deps.list(purpose, opts.signal)).find((f) => f.filename === filename && sameUpload(f, purpose, size));
    if (match) {
      opts.onProgress?.({ done: size, total: size });
      await remember(opts.cachePath, cache, sha256, { serverUrl, fileId: match.id, filename, bytes: size, purpose });
      return { file: match, sha256, reused: true };
    }
  }

  const res = await deps.transport.send(
    'POST',
    '/v1/files',
    () => {
      // A retry starts over from the first byte, and so does the progress count.
      let done = 0;
      const started = Date.now();
      return multipartFromFile(path, size, filename, { purpose }, (n) => {
        done += n;
        const seconds = (Date.now() - started) / 1000;
        const rate = seconds > 0 ? done / seconds : undefined;
        opts.onProgress?.({ done, total: size, rate, etaSeconds: rate ? (size - done) / rate : undefined });
      });
    },
    { idempotent: false, signal: opts.signal, streaming: true },
  );
  const file = await deps.transport.parse(res, uploadedFileSchema, new URL(deps.transport.config.serverUrl.replace(/\/+$/, '') + '/v1/files'));
  await remember(opts.cachePath, cache, sha256, { serverUrl, fileId: file.id, filename, bytes: size, purpose });
  return { file, sha256, reused: false };
}

function sameUpload(f: UploadedFile, purpose: FilePurpose, size: number): boolean {
  return f.purpose === purpose && f.bytes === size;
}

async function remember(
  cachePath: string | undefined,
  cache: UploadCache | undefined,
  sha256: string,
  entry: z.infer<typeof cacheEntrySchema>,
): Promise<void> {
  if (!cachePath || !cache) return;
  const kept = (cache.entries[sha256] ?? []).filter((e) => !(e.serverUrl === entry.serverUrl && e.purpose === entry.purpose));
  cache.entries[sha256] = [...kept, entry];
  await writeFileAtomic(cachePath, JSON.stringify(cache, null, 2) + '\n');
}
