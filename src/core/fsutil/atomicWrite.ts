// Every file Pixtune writes lands atomically: written to a temp file in the same folder, then
// renamed over the target. A crash or cancellation leaves either the old file or the new one,
// never half of one.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

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
    throw err;
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
  bytesWritten = 0;

  private constructor(readonly target: string) {
    this.tmp = tempPathFor(target);
  }

  static async open(target: string): Promise<AtomicFileWriter> {
    await mkdir(dirname(target), { recursive: true });
    const w = new AtomicFileWriter(target);
    w.stream = createWriteStream(w.tmp, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      w.stream!.once('open', () => resolve());
      w.stream!.once('error', reject);
    });
    return w;
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    const s = this.stream!;
    this.bytesWritten += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (!s.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        s.once('error', onError);
        s.once('drain', () => {
          s.off('error', onError);
          resolve();
        });
      });
    }
  }

  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await new Promise<void>((resolve, reject) => this.stream!.end((err?: Error | null) => (err ? reject(err) : resolve())));
    await rename(this.tmp, this.target);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
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
