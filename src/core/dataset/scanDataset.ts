// Scans a folder-per-class dataset from directory listings alone: no decoding and no stat per file
// (only symlinks are stat'ed, to know what they point to and to break loops), so 10,000 images scan in
// a few milliseconds. Health problems that need the bytes (corrupt, truncated, …) are the health check's job.
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { UserError, errorMessage } from '../errors';
import { IMAGE_EXTENSIONS, type Dataset, type DatasetClass, type ImageEntry, type Problem, type ScanOptions, type SkippedFile } from './types';

const IMAGE_EXT = new Set<string>(IMAGE_EXTENSIONS);
/** Files the OS or other tools drop into folders; never data. */
const IGNORED_FILES = new Set(['thumbs.db', 'desktop.ini', 'icon\r']);
/** How many class folders are listed at once. */
const CLASS_CONCURRENCY = 8;
export const IMBALANCE_RATIO = 3;

/** Deterministic, locale-independent order (UTF-16 code units), the same on every machine. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isIgnored(name: string): boolean {
  return name.startsWith('.') || IGNORED_FILES.has(name.toLowerCase());
}

type EntryKind = 'file' | 'dir' | 'other' | { error: string };

/** What an entry is; symlinks are followed (the only stat the scan makes). */
async function kindOf(dir: string, e: Dirent): Promise<EntryKind> {
  if (e.isFile()) return 'file';
  if (e.isDirectory()) return 'dir';
  if (!e.isSymbolicLink()) return 'other';
  try {
    const s = await stat(join(dir, e.name));
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link that loops' : 'a broken symbolic link' };
  }
}

interface ClassScan {
  images: ImageEntry[];
  skipped: SkippedFile[];
  problems: Problem[];
}

async function scanClass(root: string, className: string, includeNested: boolean, visited: Set<string>, signal?: AbortSignal): Promise<ClassScan> {
  const out: ClassScan = { images: [], skipped: [], problems: [] };
  const walk = async (rel: string): Promise<void> => {
    signal?.throwIfAborted();
    const dir = join(root, ...rel.split('/'));
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      out.problems.push({ kind: 'unreadable', path: rel, class: className, message: `Folder "${rel}" cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}).` });
      return;
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    for (const e of entries) {
      if (isIgnored(e.name)) continue;
      const path = `${rel}/${e.name}`;
      const kind = await kindOf(dir, e);
      if (typeof kind === 'object') {
        out.skipped.push({ path, reason: kind.error });
        out.problems.push({ kind: 'unreadable', path, class: className, message: `"${path}" is ${kind.error}.` });
      } else if (kind === 'file') {
        const ext = extname(e.name).toLowerCase();
        if (IMAGE_EXT.has(ext)) out.images.push({ path });
        else out.skipped.push({ path, reason: ext ? `not a supported image type (${ext})` : 'no file extension: not a supported image type' });
      } else if (kind === 'dir') {
        if (!includeNested) {
          out.skipped.push({ path, reason: 'nested folder (nested folders are turned off)' });
          continue;
        }
        // Real paths break symlink loops: a folder reached twice is listed once.
        const real = await realpath(join(dir, e.name)).catch(() => undefined);
        if (!real || visited.has(real)) {
          out.skipped.push({ path, reason: 'link to a folder that is already part of the scan (loop)' });
          continue;
        }
        visited.add(real);
        await walk(path);
      } else {
        out.skipped.push({ path, reason: 'not a regular file' });
      }
    }
  };
  await walk(className);
  return out;
}

export async function scanDataset(rootInput: string, options: ScanOptions = {}): Promise<Dataset> {
  const root = resolve(rootInput);
  const includeNested = options.includeNested ?? true;
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`The folder "${root}" does not exist.`);
    if (code === 'ENOTDIR') throw new UserError(`"${root}" is a file, not a folder.`, 'Choose a folder with one sub-folder per class.');
    throw new UserError(`The folder "${root}" cannot be read (${code ?? errorMessage(err)}).`);
  }
  entries.sort((a, b) => compareNames(a.name, b.name));
  const visited = new Set<string>([await realpath(root)]);
  const classNames: string[] = [];
  const skipped: SkippedFile[] = [];
  const problems: Problem[] = [];
  let rootImages = 0;
  for (const e of entries) {
    if (isIgnored(e.name)) continue;
    const kind = await kindOf(root, e);
    if (kind === 'dir') {
      const real = await realpath(join(root, e.name)).catch(() => undefined);
      if (real && visited.has(real)) {
        skipped.push({ path: e.name, reason: 'link to a folder that is already part of the scan (loop)' });
        continue;
      }
      if (real) visited.add(real);
      classNames.push(e.name);
    } else if (typeof kind === 'object') {
      skipped.push({ path: e.name, reason: kind.error });
    } else if (kind === 'file' && IMAGE_EXT.has(extname(e.name).toLowerCase())) {
      rootImages++;
      skipped.push({ path: e.name, reason: 'image outside any class folder' });
    } else {
      skipped.push({ path: e.name, reason: 'not inside a class folder' });
    }
  }

  const scans: ClassScan[] = new Array(classNames.length);
  let next = 0;
  const worker = async () => {
    while (next < classNames.length) {
      const i = next++;
      scans[i] = await scanClass(root, classNames[i]!, includeNested, visited, options.signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CLASS_CONCURRENCY, classNames.length) }, worker));

  const classes: DatasetClass[] = [];
  classNames.forEach((name, i) => {
    const s = scans[i]!;
    s.images.sort((a, b) => compareNames(a.path, b.path));
    classes.push({ name, images: s.images });
    skipped.push(...s.skipped);
    problems.push(...s.problems);
    if (s.images.length === 0) problems.push({ kind: 'empty-class', class: name, path: name, message: `Class "${name}" has no images.` });
    else if (s.images.length < 2) problems.push({ kind: 'tiny-class', class: name, path: name, message: `Class "${name}" has only 1 image: it cannot be split into training and test.` });
    const nonImages = s.skipped.filter((f) => f.reason.startsWith('not a supported image type') || f.reason.startsWith('no file extension')).length;
    if (nonImages) problems.push({ kind: 'non-image', class: name, path: name, message: `Class "${name}" holds ${nonImages} file${nonImages === 1 ? '' : 's'} that ${nonImages === 1 ? 'is not a supported image' : 'are not supported images'} (skipped).` });
  });

  if (!classes.length) problems.push({ kind: 'no-classes', message: 'No class folders: a dataset needs one sub-folder per class.' });
  if (rootImages) problems.push({ kind: 'root-files', message: `${rootImages} image${rootImages === 1 ? ' lies' : 's lie'} directly in the dataset folder, outside any class (skipped).` });
  const sizes = classes.map((c) => c.images.length).filter((n) => n > 0);
  if (sizes.length >= 2) {
    const max = Math.max(...sizes);
    const min = Math.min(...sizes);
    if (max >= IMBALANCE_RATIO * min) {
      const big = classes.find((c) => c.images.length === max)!.name;
      const small = classes.find((c) => c.images.length === min)!.name;
      problems.push({ kind: 'imbalance', message: `Classes are imbalanced: "${big}" has ${max} images, "${small}" only ${min} (${(max / min).toFixed(1)}×).` });
    }
  }
  return { root, classes, skipped, problems };
}
