// Checks of an image reference inside a JSONL record: a data URL whose base64 decodes to an image
// type Mistral documents (JPEG, PNG, WebP, non-animated GIF), or an https URL.
import { errorMessage } from '../errors';
import { loadSharp } from '../images/loadSharp';
import { sniffImageFormat } from '../images/imageSignature';

export const SUPPORTED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
/** Mistral's documented per-image limit (its docs say 10 MB in one place, 20 MB in another: take the lower). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** The MIME type a data URL's bytes announce, among the types Mistral accepts (TIFF is not one). */
export function sniffImageType(b: Uint8Array): (typeof SUPPORTED_IMAGE_TYPES)[number] | undefined {
  const format = sniffImageFormat(b);
  return format && format !== 'tiff' ? `image/${format}` : undefined;
}

/** Number of frames of a GIF (image descriptors), or -1 when the stream is malformed. */
export function gifFrameCount(b: Uint8Array): number {
  let p = 13;
  if (b.length < p) return -1;
  if (b[10]! & 0x80) p += 3 * (1 << ((b[10]! & 0x07) + 1));
  const skipSubBlocks = () => {
    while (p < b.length && b[p] !== 0) p += b[p]! + 1;
    p++;
  };
  let frames = 0;
  while (p < b.length) {
    const tag = b[p]!;
    if (tag === 0x3b) return frames;
    if (tag === 0x21) {
      p += 2;
      skipSubBlocks();
    } else if (tag === 0x2c) {
      frames++;
      const packed = b[p + 9];
      if (packed === undefined) return -1;
      p += 10;
      if (packed & 0x80) p += 3 * (1 << ((packed & 0x07) + 1));
      p++; // LZW minimum code size
      skipSubBlocks();
    } else {
      return -1;
    }
  }
  return frames > 0 ? frames : -1;
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]+)*);base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Returns a problem description, or undefined when the reference is usable. */
export async function checkImageReference(url: string): Promise<string | undefined> {
  if (url.startsWith('https://')) {
    try {
      new URL(url);
      return undefined;
    } catch {
      return 'is not a valid https URL';
    }
  }
  if (url.startsWith('http://')) return 'uses http://; only https URLs or base64 data URLs are accepted';
  const m = DATA_URL.exec(url);
  if (!m) return url.startsWith('data:') ? 'is a data URL without ";base64,"' : 'is neither a base64 data URL nor an https URL';
  const declared = m[1]!.toLowerCase();
  const payload = url.slice(m[0].length);
  if (payload.length === 0) return 'has an empty base64 payload';
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) return 'has a base64 payload that does not decode (bad characters or length)';
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length > MAX_IMAGE_BYTES) return `is ${(bytes.length / 1048576).toFixed(1)} MB, over the ${MAX_IMAGE_BYTES / 1048576} MB per-image limit`;
  const actual = sniffImageType(bytes);
  if (!actual) return `declares ${declared} but the bytes are not a JPEG, PNG, WebP or GIF image`;
  if (actual !== declared && !(declared === 'image/jpg' && actual === 'image/jpeg')) return `declares ${declared} but the bytes are ${actual}`;
  if (actual === 'image/gif') {
    const frames = gifFrameCount(bytes);
    if (frames < 0) return 'is a malformed GIF';
    if (frames > 1) return `is an animated GIF (${frames} frames); only single-frame GIFs are accepted`;
  }
  return checkImageHeader(bytes, actual);
}

/**
 * Magic bytes alone pass a PNG signature followed by zeros, which Mistral rejects after the upload.
 * sharp's metadata() parses the real header (IHDR, SOF, VP8 chunk…) without decoding pixels, so a
 * file of thousands of images is still checked in about a millisecond per image.
 */
async function checkImageHeader(bytes: Buffer, sniffed: (typeof SUPPORTED_IMAGE_TYPES)[number]): Promise<string | undefined> {
  const sharp = await loadSharp();
  let meta: { format?: string; width?: number; height?: number };
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    // libvips appends one line per decoder complaint; the first says what went wrong.
    const reason = errorMessage(err).split('\n')[0]!.replace(/:\s*$/, '');
    return `is ${sniffed} data whose header cannot be read (${reason})`;
  }
  if (`image/${meta.format}` !== sniffed) return `starts like ${sniffed} but its header reads as ${meta.format ?? 'an unknown format'}`;
  if (!meta.width || !meta.height) return `is ${sniffed} data whose header gives no width or height`;
  return undefined;
}
