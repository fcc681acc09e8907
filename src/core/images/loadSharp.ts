// sharp is native and heavy: it is loaded on first use so that activating the extension (or running
// a CLI command that never touches pixels) does not pay for it.
import type SharpModule from 'sharp';

export type Sharp = typeof SharpModule;

let loading: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((m) => {
    const sharp = ((m as { default?: Sharp }).default ?? (m as unknown as Sharp));
    // Decoded-image caching only helps when the same file is processed twice in a row; our
    // pipelines read each file once, so the cache would just hold memory.
    sharp.cache(false);
    return sharp;
  });
  return loading;
}

/** Default decompression-bomb limit: 100 megapixels is far above any tile a vision model accepts. */
export const DEFAULT_PIXEL_LIMIT = 100_000_000;
