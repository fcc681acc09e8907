// The sandbox's Files API storage: bytes on disk in the server's temp dir, metadata in memory.
// Re-uploading identical content with the same name and purpose returns the existing file, as the
// real service documents.
import { createHash, randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredPart } from './multipart';
import { HttpError, detailError, nowSeconds } from './wire';

export interface SandboxFile {
  id: string;
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  sample_type: string;
  num_lines: number;
  mimetype: string;
  source: string;
  sha256: string;
  path: string;
}

function guessSampleType(purpose: string, head: string): string {
  if (/"custom_id"\s*:/.test(head) || purpose === 'batch') return 'batch_request';
  if (/^\s*\{\s*"text"\s*:/.test(head)) return 'pretrain';
  return 'instruct';
}

function mimetypeOf(filename: string): string {
  if (filename.endsWith('.jsonl')) return 'application/jsonl';
  if (filename.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

export function fileWire(f: SandboxFile) {
  return {
    id: f.id,
    object: 'file',
    bytes: f.bytes,
    created_at: f.created_at,
    filename: f.filename,
    purpose: f.purpose,
    sample_type: f.sample_type,
    num_lines: f.num_lines,
    mimetype: f.mimetype,
    source: f.source,
    signature: f.sha256.slice(0, 16),
    expires_at: null,
    visibility: 'workspace',
  };
}

export class FileStore {
  private readonly files = new Map<string, SandboxFile>();

  constructor(private readonly dir: string) {}

  async addUpload(part: StoredPart, purpose: string): Promise<SandboxFile> {
    const existing = [...this.files.values()].find((f) => f.sha256 === part.sha256 && f.filename === part.filename && f.purpose === purpose);
    if (existing) {
      await rm(part.path, { force: true });
      return existing;
    }
    const id = randomUUID();
    const path = join(this.dir, id);
    await rename(part.path, path);
    const file: SandboxFile = {
      id,
      bytes: part.bytes,
      created_at: nowSeconds(),
      filename: part.filename,
      purpose,
      sample_type: guessSampleType(purpose, part.head),
      num_lines: part.lines,
      mimetype: mimetypeOf(part.filename),
      source: 'upload',
      sha256: part.sha256,
      path,
    };
    this.files.set(id, file);
    return file;
  }

  /** Files the sandbox writes itself (batch results and errors). */
  async addGenerated(filename: string, content: string, sampleType: string): Promise<SandboxFile> {
    const id = randomUUID();
    const path = join(this.dir, id);
    await writeFile(path, content);
    const file: SandboxFile = {
      id,
      bytes: Buffer.byteLength(content),
      created_at: nowSeconds(),
      filename,
      purpose: 'batch',
      sample_type: sampleType,
      num_lines: content ? content.split('\n').filter(Boolean).length : 0,
      mimetype: 'application/jsonl',
      source: 'mistral',
      sha256: createHash('sha256').update(content).digest('hex'),
      path,
    };
    this.files.set(id, file);
    return file;
  }

  get(id: string): SandboxFile | undefined {
    return this.files.get(id);
  }

  require(id: string): SandboxFile {
    const f = this.files.get(id);
    if (!f) throw notFound();
    return f;
  }

  async delete(id: string): Promise<void> {
    const f = this.require(id);
    this.files.delete(id);
    await rm(f.path, { force: true });
  }

  /** Newest first, as the API lists. */
  list(filter: { purpose?: string; search?: string; sampleTypes?: string[]; sources?: string[] }): SandboxFile[] {
    return [...this.files.values()]
      .filter((f) => !filter.purpose || f.purpose === filter.purpose)
      .filter((f) => !filter.search || f.filename.includes(filter.search))
      .filter((f) => !filter.sampleTypes?.length || filter.sampleTypes.includes(f.sample_type))
      .filter((f) => !filter.sources?.length || filter.sources.includes(f.source))
      .reverse();
  }
}

export function notFound(): HttpError {
  return detailError(404, 'Not Found');
}
