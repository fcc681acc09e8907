// A scratch file for encoded tiles during a one-pass run: images are decoded once, in dataset
// order, before the split (which needs every hash) is known; their encoded bytes wait here and are
// read back in file order. Keeps memory flat (only offsets are held) and is removed on every exit.
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Spool files are `<prefix><pid>.<random>.tmp`: hidden, and traceable to the process that made them. */
export const SPOOL_PREFIX = '.pixtune-spool.';

export interface SpoolSpan {
  position: number;
  length: number;
}

export class TileSpool {
  private size = 0;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  /** Created next to the outputs (same disk), hidden, unique per process. */
  static async create(dir: string): Promise<TileSpool> {
    const path = join(dir, `${SPOOL_PREFIX}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    return new TileSpool(path, await open(path, 'wx+'));
  }

  /** Appends are serialised by the caller (the ordered consumer), so positions are contiguous. */
  async append(bytes: Uint8Array): Promise<SpoolSpan> {
    const span = { position: this.size, length: bytes.length };
    this.size += bytes.length;
    let done = 0;
    while (done < bytes.length) done += (await this.fh.write(bytes, done, bytes.length - done, span.position + done)).bytesWritten;
    return span;
  }

  async read(span: SpoolSpan): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(span.length);
    let done = 0;
    while (done < span.length) {
      const { bytesRead } = await this.fh.read(buf, done, span.length - done, span.position + done);
      if (bytesRead === 0) throw new Error('spool file ended early');
      done += bytesRead;
    }
    return buf;
  }

  get bytes(): number {
    return this.size;
  }

  async dispose(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
