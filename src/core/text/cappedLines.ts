// Lines of a (possibly huge) text file without ever building a string longer than a cap. readline
// keeps a whole line in memory and a 600 MB file without newlines ends in an uncaught RangeError
// (V8's string limit); here a line over the cap is reported by its size and skipped, and reading
// goes on at the next newline. Any JSONL reader of data we did not write should use this.
import type { Readable } from 'node:stream';

export type CappedLine = { text: string; bytes: number } | { tooLong: true; bytes: number };

/** Yields each line (without its "\n"; a "\r" before it is dropped too) or, for one over `maxLineBytes`, its size. */
export async function* cappedLines(input: Readable | AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<CappedLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = false;
  const finish = (): CappedLine => {
    const line: CappedLine = overflow ? { tooLong: true, bytes: size } : { text: decode(Buffer.concat(parts, size)), bytes: size };
    parts = [];
    size = 0;
    overflow = false;
    return line;
  };
  let any = false;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    any = true;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); ; nl = chunk.indexOf(10, start)) {
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      size += piece.length;
      if (size > maxLineBytes) {
        overflow = true;
        parts = [];
      } else if (!overflow && piece.length) {
        parts.push(piece);
      }
      if (nl < 0) break;
      yield finish();
      start = nl + 1;
    }
  }
  if (any && (size > 0 || overflow)) yield finish();
}

function decode(b: Buffer): string {
  const text = b.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
