// Probes one image file the way the health check needs: size on disk, header (format, dimensions, bit
// depth, EXIF orientation), then a full decode that fails on truncated or corrupt data. The header is read
// first so that a decompression bomb is refused before a single pixel is decoded.
import { endMarkerMissing } from './endMarker';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { errorMessage } from '../errors';
import { loadSharp, DEFAULT_PIXEL_LIMIT } from './loadSharp';

/** Formats we can train on (TIFF and WebP are converted to JPEG/PNG when the training file is written). */
export const TRAINABLE_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff']);

export type ProbeProblemKind = 'unreadable' | 'zero-byte' | 'corrupt' | 'truncated' | 'unsupported' | 'oversized';

export interface ImageProbe {
  bytes?: number;
  /** Width and height as displayed, i.e. after EXIF orientation. */
  width?: number;
  height?: number;
  format?: string;
  /** Pixel depth as sharp names it: 'uchar' (8 bits per channel) or 'ushort' (16). */
  depth?: string;
  /** Bits per channel (8 or 16), derived from `depth`. */
  bitDepth?: number;
  channels?: number;
  hasAlpha?: boolean;
  /** EXIF orientation (1–8) when present. */
  orientation?: number;
  problem?: { kind: ProbeProblemKind; message: string };
}

export interface ProbeOptions {
  /** Header pixel count above which the image is refused without decoding. */
  maxPixels?: number;
  /** How the file is named in messages (default: its base name). Dataset paths are user data; callers escape them. */
  label?: string;
  /** Stop after the header (default false: decode every pixel). */
  headerOnly?: boolean;
}

const TRUNCATION = /premature end|truncat|unexpected end|end of (file|stream|input)|not enough data|short read/i;

function shortSharpMessage(err: unknown): string {
  return errorMessage(err).split('\n')[0]!.replace(/^Input (file|buffer) /, '').slice(0, 200);
}

export async function probeImage(file: string, opts: ProbeOptions = {}): Promise<ImageProbe> {
  const label = opts.label ?? basename(file);
  const maxPixels = opts.maxPixels ?? DEFAULT_PIXEL_LIMIT;
  const out: ImageProbe = {};
  const fail = (kind: ProbeProblemKind, message: string): ImageProbe => ({ ...out, problem: { kind, message } });
  try {
    out.bytes = (await stat(file)).size;
  } catch (err) {
    return fail('unreadable', `${label} cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}).`);
  }
  if (out.bytes === 0) return fail('zero-byte', `${label} is empty (0 bytes).`);
  const sharp = await loadSharp();
  let meta;
  try {
    // Header only, with no pixel limit so that a bomb's claimed size can be reported.
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    return fail('corrupt', `${label} is not a readable image (${shortSharpMessage(err)}).`);
  }
  const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
  Object.assign(out, {
    width: oriented.width,
    height: oriented.height,
    format: meta.format,
    depth: meta.depth,
    bitDepth: meta.depth === 'ushort' ? 16 : meta.depth === 'uchar' ? 8 : undefined,
    channels: meta.channels,
    hasAlpha: meta.hasAlpha,
    orientation: meta.orientation,
  });
  if (!TRAINABLE_FORMATS.has(meta.format)) {
    return fail('unsupported', `${label} is a ${meta.format.toUpperCase()} image; only JPEG, PNG, TIFF and WebP are used for training.`);
  }
  if (meta.width * meta.height > maxPixels) {
    return fail('oversized', `${label} claims ${meta.width}×${meta.height} pixels, over the limit of ${maxPixels.toLocaleString('en-US')}: refused without decoding.`);
  }
  if (opts.headerOnly) return out;
  try {
    // failOn 'warning' also catches JPEGs whose entropy data is damaged mid-file (libjpeg only warns, and
    // the image decodes to grey garbage). Harmless oddities such as bytes after the end marker still pass.
    // A tiny resize keeps memory low; the decoder still reads every byte of the compressed stream.
    await sharp(file, { failOn: 'warning', limitInputPixels: maxPixels, sequentialRead: true }).resize(32, 32, { fit: 'fill' }).raw().toBuffer();
  } catch (err) {
    const msg = shortSharpMessage(err);
    // libvips' message is not always specific (its error buffer is shared, so under concurrency it can
    // read just "Warning treated as error"), and libjpeg says "premature end of data segment" for damage
    // in the middle too. Where the format has an end marker, the file itself decides.
    const endMissing = await missingEndMarker(file, meta.format, out.bytes);
    if (endMissing ?? TRUNCATION.test(msg)) {
      return fail('truncated', `${label} is truncated: the data ends before the image does.`);
    }
    return fail('corrupt', `${label} cannot be decoded (${msg}).`);
  }
  return out;
}

/** endMarkerMissing() on the file's first and last bytes. */
async function missingEndMarker(file: string, format: string, size: number): Promise<boolean | undefined> {
  const fh = await open(file, 'r');
  try {
    const tail = Buffer.alloc(Math.min(size, 64));
    await fh.read(tail, 0, tail.length, size - tail.length);
    const head = Buffer.alloc(Math.min(size, 8));
    await fh.read(head, 0, head.length, 0);
    return endMarkerMissing(format, head, tail, size);
  } finally {
    await fh.close();
  }
}
