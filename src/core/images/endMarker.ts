// Whether an image file stops before its format's end marker: the one sure sign of truncation. Used
// to name a decode failure without trusting libvips' message, which comes from a buffer shared by
// every image being decoded at the same time (so under concurrency it may describe another file).

/**
 * True when a JPEG lacks its EOI marker, a PNG its IEND chunk, or a WebP is shorter than its RIFF
 * size; undefined for formats without such a marker (TIFF, GIF…). `head` is the file's first 8 bytes
 * (or more), `tail` its last 64 (or fewer), `size` its length.
 */
export function endMarkerMissing(format: string, head: Uint8Array, tail: Uint8Array, size: number): boolean | undefined {
  const t = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength);
  if (format === 'jpeg') return !t.includes(Buffer.from([0xff, 0xd9]));
  if (format === 'png') return !t.includes(Buffer.from('IEND', 'ascii'));
  if (format === 'webp') return head.length < 8 ? true : Buffer.from(head.buffer, head.byteOffset, 8).readUInt32LE(4) + 8 > size;
  return undefined;
}

/** The same check on bytes already in memory. */
export function bufferEndMarkerMissing(format: string, bytes: Uint8Array): boolean | undefined {
  return endMarkerMissing(format, bytes.subarray(0, 8), bytes.subarray(Math.max(0, bytes.length - 64)), bytes.length);
}
