// Thumbnails for the review grid and the image gallery: made once with sharp, kept outside the workspace
// (the extension's global storage, or any folder the caller names), found again by the image's path, the
// thumbnail size and the file's mtime and length — an edited image gets a new thumbnail, an unchanged one
// is never decoded twice. The extension host shares libuv's small thread pool with everything else, so
// decoding is bounded here (default 2 at a time), whatever the grid asks for at once.
import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fsutil/atomicWrite';
import { DEFAULT_PIXEL_LIMIT, loadSharp } from './loadSharp';

export interface ThumbnailCacheOptions {
  /** Where thumbnail files are kept (created on first use). */
  cacheDir: string;
  /** Longest edge in pixels (default 192: a grid tile is 160 CSS px, a little more for HiDPI). */
  size?: number;
  /** Images decoded at once (default 2). */
  concurrency?: number;
}

/** A thumbnail file, or why there is none: the grid shows a placeholder with the reason instead of a picture. */
export type Thumbnail = { ok: true; file: string } | { ok: false; reason: string };

export class ThumbnailCache {
  readonly cacheDir: string;
  readonly size: number;
  private readonly limit: number;
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** One build per key at a time: a tile scrolled past twice while decoding is not decoded twice. */
  private readonly inFlight = new Map<string, Promise<Thumbnail>>();
  /** Images that failed, by key (same file, same mtime → same failure; not retried until it changes). */
  private readonly failures = new Map<string, string>();
  /** Built thumbnails, counted (for benchmarks and tests). */
  built = 0;

  constructor(options: ThumbnailCacheOptions) {
    this.cacheDir = options.cacheDir;
    this.size = Math.max(16, Math.min(1024, Math.round(options.size ?? 192)));
    this.limit = Math.max(1, Math.floor(options.concurrency ?? 2));
  }

  /** The thumbnail of one image, made if it is not cached yet. Never throws for a bad image; rejects only when aborted. */
  async get(imagePath: string, signal?: AbortSignal): Promise<Thumbnail> {
    signal?.throwIfAborted();
    let info;
    try {
      info = await stat(imagePath);
    } catch {
      return { ok: false, reason: 'The file is missing or cannot be read.' };
    }
    if (!info.isFile()) return { ok: false, reason: 'Not a file.' };
    if (info.size === 0) return { ok: false, reason: 'The file is empty (0 bytes).' };
    const key = createHash('sha1').update(`${imagePath}\0${this.size}\0${info.mtimeMs}\0${info.size}`).digest('hex');
    const failed = this.failures.get(key);
    if (failed) return { ok: false, reason: failed };
    const file = join(this.cacheDir, key.slice(0, 2), `${key}.jpg`);
    if (await exists(file)) return { ok: true, file };
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.build(imagePath, file, key, signal).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Thumbnails of many images, in order, at most `concurrency` decoding at once. */
  getMany(imagePaths: readonly string[], signal?: AbortSignal): Promise<Thumbnail[]> {
    return Promise.all(imagePaths.map((p) => this.get(p, signal)));
  }

  /**
   * Keeps the cache under `maxBytes` by removing the oldest thumbnails first (by when they were made): a cache
   * shared by every workspace would otherwise only grow. Returns what was removed.
   */
  async prune(maxBytes: number, signal?: AbortSignal): Promise<{ removed: number; bytes: number }> {
    const files: { path: string; bytes: number; madeMs: number }[] = [];
    for (const sub of await readdir(this.cacheDir).catch(() => [] as string[])) {
      for (const name of await readdir(join(this.cacheDir, sub)).catch(() => [] as string[])) {
        if (!name.endsWith('.jpg')) continue; // temp files of writes in progress are left alone
        signal?.throwIfAborted();
        const path = join(this.cacheDir, sub, name);
        const info = await stat(path).catch(() => undefined);
        if (info) files.push({ path, bytes: info.size, madeMs: info.mtimeMs });
      }
    }
    let total = files.reduce((n, f) => n + f.bytes, 0);
    let removed = 0;
    let freed = 0;
    for (const f of files.sort((a, b) => a.madeMs - b.madeMs)) {
      if (total <= maxBytes) break;
      signal?.throwIfAborted();
      await rm(f.path, { force: true });
      total -= f.bytes;
      freed += f.bytes;
      removed++;
    }
    return { removed, bytes: freed };
  }

  /** Removes every cached thumbnail (the folder itself stays). */
  async clear(): Promise<void> {
    for (const name of await readdir(this.cacheDir).catch(() => [] as string[])) {
      await rm(join(this.cacheDir, name), { recursive: true, force: true });
    }
    this.failures.clear();
  }

  private async build(imagePath: string, file: string, key: string, signal?: AbortSignal): Promise<Thumbnail> {
    await this.acquire(signal);
    try {
      signal?.throwIfAborted();
      const sharp = await loadSharp();
      let data: Buffer;
      try {
        data = await sharp(imagePath, { limitInputPixels: DEFAULT_PIXEL_LIMIT, failOn: 'error' })
          .rotate() // EXIF orientation, as everywhere else in Pixtune
          .resize(this.size, this.size, { fit: 'inside', withoutEnlargement: true })
          .flatten({ background: '#808080' }) // transparent PNGs: JPEG has no alpha
          .jpeg({ quality: 78, mozjpeg: false })
          .toBuffer();
      } catch (err) {
        const reason = `The image cannot be decoded (${firstLine(err)}).`;
        this.failures.set(key, reason);
        return { ok: false, reason };
      }
      await writeFileAtomic(file, data);
      this.built++;
      return { ok: true, file };
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        const i = this.queue.indexOf(start);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal!.reason instanceof Error ? signal!.reason : Object.assign(new Error('Aborted'), { name: 'AbortError' }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(start);
    });
  }

  private release(): void {
    this.active--;
    this.queue.shift()?.();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').trim().replace(/\.$/, '') || 'unknown error';
}
