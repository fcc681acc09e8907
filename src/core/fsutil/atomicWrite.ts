// Every file Pixtune writes lands atomically: written to a temp file in the same folder, then
// renamed over the target. A crash or cancellation leaves either the old file or the new one,
// never half of one.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { diskFullError } from './diskFull';

function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw diskFullError(err, target) ?? err;
  }
}

/**
 * A streaming writer whose output appears at `target` only on `commit()`.
 * `abort()` (or any failure) removes the temp file. Respects back-pressure via `write()`'s promise.
 */
export class AtomicFileWriter {
  private readonly tmp: string;
  private stream: WriteStream | undefined;
  private done = false;
  /** The stream's first error (ENOSPC…): kept by a permanent listener so it is never unhandled, and rethrown. */
  private failure: Error | undefined;
  bytesWritten = 0;

  private constructor(readonly target: string) {
    this.tmp = tempPathFor(target);
  }

  static async open(target: string): Promise<AtomicFileWriter> {
    await mkdir(dirname(target), { recursive: true });
    const w = new AtomicFileWriter(target);
    w.stream = createWriteStream(w.tmp, { flags: 'wx' });
    w.stream.on('error', (e) => (w.failure ??= e));
    await new Promise<void>((resolve, reject) => {
      w.stream!.once('open', () => resolve());
      w.stream!.once('error', reject);
    });
    return w;
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    const s = this.stream!;
    if (this.failure) throw diskFullError(this.failure, this.target) ?? this.failure;
    this.bytesWritten += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (!s.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => {
          s.off('drain', onDrain);
          reject(diskFullError(e, this.target) ?? e);
        };
        const onDrain = () => {
          s.off('error', onError);
          resolve();
        };
        if (this.failure) return onError(this.failure);
        s.once('error', onError);
        s.once('drain', onDrain);
      });
    }
  }

  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => this.stream!.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (this.failure) throw this.failure;
      await rename(this.tmp, this.target);
    } catch (err) {
      // The real cause (ENOSPC), not "Cannot call end after a stream was destroyed"; and no temp file left.
      await this.discard();
      throw diskFullError(this.failure ?? err, this.target) ?? this.failure ?? err;
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.discard();
  }

  private async discard(): Promise<void> {
    const s = this.stream!;
    if (!s.closed) {
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    }
    await rm(this.tmp, { force: true });
  }
}
