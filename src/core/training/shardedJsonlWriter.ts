// Writes one logical JSONL file, either as a single `<base>.jsonl` or, when a byte limit is set, as
// `<base>.part-001.jsonl`, `<base>.part-002.jsonl`, … each under the limit (Mistral refuses uploads over
// 512 MB). Every part is an AtomicFileWriter: nothing appears until commit(), abort() leaves nothing.
import { join } from 'node:path';
import { AtomicFileWriter } from '../fsutil/atomicWrite';

export interface WrittenFile {
  name: string;
  path: string;
  bytes: number;
  lines: number;
}

export class ShardedJsonlWriter {
  private parts: { writer: AtomicFileWriter; name: string; lines: number }[] = [];

  constructor(
    private readonly dir: string,
    private readonly base: string,
    private readonly maxBytes?: number,
  ) {}

  private partName(n: number): string {
    return this.maxBytes === undefined ? `${this.base}.jsonl` : `${this.base}.part-${String(n).padStart(3, '0')}.jsonl`;
  }

  /** Opens the first part even when no line is ever written, so an empty split still yields its (empty) file. */
  async open(): Promise<void> {
    if (!this.parts.length) await this.newPart();
  }

  private async newPart(): Promise<void> {
    const name = this.partName(this.parts.length + 1);
    this.parts.push({ writer: await AtomicFileWriter.open(join(this.dir, name)), name, lines: 0 });
  }

  /** Writes one line given as chunks (the last one ends with "\n"); returns the file name and 1-based line number. */
  async writeLine(chunks: readonly string[]): Promise<{ file: string; line: number }> {
    const size = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);
    await this.open();
    let part = this.parts[this.parts.length - 1]!;
    if (this.maxBytes !== undefined && part.lines > 0 && part.writer.bytesWritten + size > this.maxBytes) {
      await this.newPart();
      part = this.parts[this.parts.length - 1]!;
    }
    for (const c of chunks) await part.writer.write(c);
    part.lines++;
    return { file: part.name, line: part.lines };
  }

  get lines(): number {
    return this.parts.reduce((n, p) => n + p.lines, 0);
  }

  async commit(): Promise<WrittenFile[]> {
    const out: WrittenFile[] = [];
    for (const p of this.parts) {
      await p.writer.commit();
      out.push({ name: p.name, path: p.writer.target, bytes: p.writer.bytesWritten, lines: p.lines });
    }
    return out;
  }

  async abort(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.writer.abort()));
  }
}
