// One image in, one model-ready tile out: EXIF orientation applied, alpha flattened onto white,
// any bit depth / colour model turned into 8-bit sRGB, downscaled (never upscaled), re-encoded as
// JPEG or PNG. Headers are checked against a pixel limit before any pixel is decoded, so a
// decompression bomb costs a header read, not gigabytes of memory.
import { open, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { bufferEndMarkerMissing } from './endMarker';
import { sniffImageFormat } from './imageSignature';
import { loadSharp, DEFAULT_PIXEL_LIMIT, type Sharp } from './loadSharp';
import { pHashFromPixels, type PHash } from './perceptualHash';

export const tileOptionsSchema = z.object({
  /** Downscale factor applied to both edges when `maxEdge` is not set (0.5: 600×600 → 300×300). */
  scale: z.number().gt(0).max(1).default(0.5),
  /** Longest edge of the output in pixels; takes precedence over `scale`. Never upscales. */
  maxEdge: z.number().int().positive().optional(),
  format: z.enum(['jpeg', 'png']).default('jpeg'),
  /** JPEG quality (ignored for PNG). */
  quality: z.number().int().min(1).max(100).default(90),
  /** Images whose header declares more pixels than this are refused before decoding. */
  pixelLimit: z.number().int().positive().default(DEFAULT_PIXEL_LIMIT),
});
export type TileOptions = z.infer<typeof tileOptionsSchema>;
export type TileOptionsInput = z.input<typeof tileOptionsSchema>;

/** Formats we read. SVG/PDF are refused: they are documents, not photos, and render unbounded work. */
const READABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'avif', 'heif']);

/** An image that cannot become a tile; `reason` is shown to the user next to the file name. */
export class ImageRejectedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ImageRejectedError';
  }
}

export interface ImageHeader {
  format: string;
  /** Width and height after EXIF orientation. */
  width: number;
  height: number;
}

export interface EncodedTile {
  bytes: Buffer;
  mimeType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  source: ImageHeader;
}

/** Output size for a source of `width`×`height`: scaled by `scale` or fitted into `maxEdge`, never larger than the source. */
export function tileSize(width: number, height: number, options: Pick<TileOptions, 'scale' | 'maxEdge'>): { width: number; height: number } {
  const factor = options.maxEdge !== undefined ? Math.min(1, options.maxEdge / Math.max(width, height)) : Math.min(1, options.scale);
  return { width: Math.max(1, Math.round(width * factor)), height: Math.max(1, Math.round(height * factor)) };
}

function sharpInput(sharp: Sharp, input: string | Buffer, pixelLimit: number) {
  // failOn 'warning': libjpeg only *warns* about entropy data damaged mid-file, and such a JPEG decodes to
  // grey blocks that would be trained on as if they were the class. The health check is just as strict.
  return sharp(input, { limitInputPixels: pixelLimit, failOn: 'warning', autoOrient: true, sequentialRead: true });
}

/** Reads only the header: format and oriented size, checked against the pixel limit. */
export async function readImageHeader(input: string | Buffer, pixelLimit = DEFAULT_PIXEL_LIMIT): Promise<ImageHeader> {
  const sharp = await loadSharp();
  let meta;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    // Not libvips' message: it may describe another image decoded at the same time (see endMarker.ts).
    throw new ImageRejectedError(await describeUnreadable(input));
  }
  if (!READABLE_FORMATS.has(meta.format)) throw new ImageRejectedError(`unsupported image format "${meta.format}"`);
  if (!meta.width || !meta.height) throw new ImageRejectedError('image has no dimensions');
  if (meta.width * meta.height > pixelLimit) {
    throw new ImageRejectedError(`${meta.width}×${meta.height} px is over the limit of ${pixelLimit.toLocaleString('en-US')} pixels`);
  }
  const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
  return { format: meta.format, width: oriented.width, height: oriented.height };
}

/** Decode, orient, flatten, resize and convert to 8-bit sRGB, as raw pixels (the part every tile shares). */
async function decodeTile(input: string | Buffer, options: TileOptions, source: ImageHeader) {
  const sharp = await loadSharp();
  const size = tileSize(source.width, source.height, options);
  let pipeline = sharpInput(sharp, input, options.pixelLimit).flatten({ background: '#ffffff' });
  if (size.width !== source.width || size.height !== source.height) {
    // Explicit width and height (fit 'fill') so the output is exactly what tileSize() promised, which the
    // token estimate relies on. A ≥2× reduction of a JPEG lets libjpeg decode at reduced scale.
    pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
  }
  // 'srgb' means 8 bits per channel and three channels: 16-bit PNG/TIFF and greyscale both end up as plain RGB.
  try {
    return await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch {
    // The file decides the reason (same in every run), not libvips' shared error buffer.
    const bytes = typeof input === 'string' ? await readFile(input) : input;
    throw new ImageRejectedError(
      bufferEndMarkerMissing(source.format, bytes) ? 'truncated: the data ends before the image does' : 'damaged image data: the decoder reported corrupt data',
    );
  }
}

async function encodePixels(raw: { data: Buffer; info: { width: number; height: number; channels: number } }, options: TileOptions, source: ImageHeader): Promise<EncodedTile> {
  const sharp = await loadSharp();
  const { width, height, channels } = raw.info;
  const pipeline = sharp(raw.data, { raw: { width, height, channels: channels as 3 } });
  const bytes = options.format === 'png' ? await pipeline.png({ compressionLevel: 6 }).toBuffer() : await pipeline.jpeg({ quality: options.quality }).toBuffer();
  return { bytes, mimeType: options.format === 'png' ? 'image/png' : 'image/jpeg', width, height, source };
}

/** The model-ready tile of one image. `header` (from readImageHeader) saves a second header read. */
export async function encodeTile(input: string | Buffer, optionsInput: TileOptionsInput = {}, header?: ImageHeader): Promise<EncodedTile> {
  const options = tileOptionsSchema.parse(optionsInput);
  const source = header ?? (await readImageHeader(input, options.pixelLimit));
  return encodePixels(await decodeTile(input, options, source), options, source);
}

/** The tile and the perceptual hash of its pixels, from a single decode. */
export async function encodeTileWithHash(input: string | Buffer, optionsInput: TileOptionsInput = {}, header?: ImageHeader): Promise<{ tile: EncodedTile; pHash: PHash }> {
  const options = tileOptionsSchema.parse(optionsInput);
  const source = header ?? (await readImageHeader(input, options.pixelLimit));
  const raw = await decodeTile(input, options, source);
  const pHash = pHashFromPixels(raw.data, raw.info.width, raw.info.height, raw.info.channels);
  return { tile: await encodePixels(raw, options, source), pHash };
}

/**
 * Header check plus the perceptual hash, without encoding. The hash is taken from the same decoded
 * tile pixels encodeTileWithHash() hashes, so a plan made first and a one-pass run agree exactly.
 */
export async function hashImage(input: string | Buffer, optionsInput: TileOptionsInput = {}): Promise<{ header: ImageHeader; pHash: PHash }> {
  const options = tileOptionsSchema.parse(optionsInput);
  const header = await readImageHeader(input, options.pixelLimit);
  const raw = await decodeTile(input, options, header);
  return { header, pHash: pHashFromPixels(raw.data, raw.info.width, raw.info.height, raw.info.channels) };
}

export function toDataUrl(tile: Pick<EncodedTile, 'bytes' | 'mimeType'>): string {
  return `data:${tile.mimeType};base64,${tile.bytes.toString('base64')}`;
}

/** Why a header could not be read, from the bytes themselves: deterministic whatever else is decoding. */
async function describeUnreadable(input: string | Buffer): Promise<string> {
  // The signature is in the first bytes: a path is never read whole here (it may be gigabytes).
  const bytes = typeof input === 'string' ? await readHead(input, 64) : input;
  const format = sniffImageFormat(bytes);
  return format ? `a ${format.toUpperCase()} file whose header is damaged` : 'not an image file (its content is no known image format)';
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
