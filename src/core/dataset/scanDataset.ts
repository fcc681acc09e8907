// Scans a folder-per-class dataset from directory listings alone: no decoding and no stat per file
// (only symlinks are stat'ed, to know what they point to and to break loops), so 10,000 images scan in
// a few milliseconds. Health problems that need the bytes (corrupt, truncated, …) are the health check's job.
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { UserError, errorMessage } from '../errors';
import { IMAGE_EXTENSIONS, type Dataset, type DatasetClass, type ImageEntry, type Problem, type ScanOptions, type SkippedFile } from './types';

const IMAGE_EXT = new Set<string>(IMAGE_EXTENSIONS);
/** Files and folders the OS, archivers or other tools drop into folders; never data (compared lower-case). */
const IGNORED_NAMES = new Set(['thumbs.db', 'desktop.ini', 'icon\r', '__macosx']);
/** How many class folders are listed at once. */
const CLASS_CONCURRENCY = 8;
export const IMBALANCE_RATIO = 3;

export const SKIP_REASONS = {
  nestedOff: 'nested folder (nested folders are turned off)',
  loop: 'link to the dataset folder or a folder above it (loop)',
  insideDataset: 'link to a folder inside the dataset (its images are counted where they are)',
  outsideClass: 'not inside a class folder',
  rootImage: 'image outside any class folder',
  notRegular: 'not a regular file',
  noExtension: 'no file extension: not a supported image type',
  badName: 'its name is not valid UTF-8, so it cannot be named in JSON or reopened: rename the file',
} as const;

/**
 * Deterministic, locale-independent order by Unicode code point, the same on every machine.
 * (Plain `<` compares UTF-16 code units, which puts astral characters such as emoji before U+E000–U+FFFF.)
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800–DFFF) encode code points above FFFF: move them above E000–FFFF.
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || IGNORED_NAMES.has(name.toLowerCase());
}

function isWithin(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

type EntryKind = { type: 'file' | 'other' } | { type: 'dir'; link: boolean } | { type: 'error'; error: string };

/** What an entry is; symlinks are followed (the only stat the scan makes). */
async function kindOf(dir: string, e: Dirent): Promise<EntryKind> {
  if (e.isFile()) return { type: 'file' };
  if (e.isDirectory()) return { type: 'dir', link: false };
  if (!e.isSymbolicLink()) return { type: 'other' };
  try {
    const s = await stat(join(dir, e.name));
    return s.isFile() ? { type: 'file' } : s.isDirectory() ? { type: 'dir', link: true } : { type: 'other' };
  } catch (err) {
    return { type: 'error', error: (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link that loops' : 'a broken symbolic link' };
  }
}

/**
 * Where a symlinked folder leads, judged on real paths so the answer does not depend on the order in which
 * folders are visited: back to the root or above (a loop), somewhere inside the dataset (already counted),
 * or outside (followed, unless it leads back to a folder of the current walk).
 */
async function judgeFolderLink(path: string, realRoot: string, ancestors: string[]): Promise<{ real: string } | { skip: string }> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return { skip: 'a broken symbolic link' };
  }
  if (isWithin(realRoot, real) || ancestors.some((a) => isWithin(a, real))) return { skip: SKIP_REASONS.loop };
  if (isWithin(real, realRoot)) return { skip: SKIP_REASONS.insideDataset };
  return { real };
}

interface ClassScan {
  images: ImageEntry[];
  skipped: SkippedFile[];
  problems: Problem[];
  unreadable: boolean;
}

async function scanClass(root: string, realRoot: string, className: string, classReal: string, includeNested: boolean, signal?: AbortSignal): Promise<ClassScan> {
  const out: ClassScan = { images: [], skipped: [], problems: [], unreadable: false };
  // `ancestors` holds the real paths of the folders being walked, to stop links that point back up.
  const walk = async (rel: string, ancestors: string[]): Promise<void> => {
    signal?.throwIfAborted();
    const dir = join(root, ...rel.split('/'));
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (rel === className) out.unreadable = true;
      out.problems.push({ kind: 'unreadable', path: rel, class: className, message: `Folder "${rel}" cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}).` });
      return;
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    const here = ancestors[ancestors.length - 1]!;
    for (const e of entries) {
      if (isIgnoredName(e.name)) continue;
      const path = `${rel}/${e.name}`;
      const kind = await kindOf(dir, e);
      if (kind.type === 'error') {
        out.skipped.push({ path, reason: kind.error });
        out.problems.push({ kind: 'unreadable', path, class: className, message: `"${path}" is ${kind.error}.` });
      } else if (kind.type === 'file') {
        const ext = extname(e.name).toLowerCase();
        // Node decodes names as UTF-8, replacing bad bytes with U+FFFD; such a name no longer opens the file.
        if (e.name.includes('\uFFFD') && !(await stat(join(dir, e.name)).catch(() => undefined))) out.skipped.push({ path, reason: SKIP_REASONS.badName });
        else if (IMAGE_EXT.has(ext)) out.images.push({ path });
        else out.skipped.push({ path, reason: ext ? `not a supported image type (${ext})` : SKIP_REASONS.noExtension });
      } else if (kind.type === 'dir') {
        if (!includeNested) {
          out.skipped.push({ path, reason: SKIP_REASONS.nestedOff });
          continue;
        }
        let real = join(here, e.name); // a plain sub-folder of a real folder: no syscall needed
        if (kind.link) {
          const judged = await judgeFolderLink(join(dir, e.name), realRoot, ancestors);
          if ('skip' in judged) {
            out.skipped.push({ path, reason: judged.skip });
            continue;
          }
          real = judged.real;
        }
        await walk(path, [...ancestors, real]);
      } else {
        out.skipped.push({ path, reason: SKIP_REASONS.notRegular });
      }
    }
  };
  await walk(className, [classReal]);
  return out;
}

export async function scanDataset(rootInput: string, options: ScanOptions = {}): Promise<Dataset> {
  const root = resolve(rootInput);
  const includeNested = options.includeNested ?? true;
  options.signal?.throwIfAborted();
  let entries: Dirent[];
  let realRoot: string;
  try {
    entries = await readdir(root, { withFileTypes: true });
    realRoot = await realpath(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`The folder "${root}" does not exist.`, 'Choose a folder with one sub-folder per class.');
    if (code === 'ENOTDIR') throw new UserError(`"${root}" is a file, not a folder.`, 'Choose a folder with one sub-folder per class.');
    throw new UserError(`The folder "${root}" cannot be read (${code ?? errorMessage(err)}).`, 'Check its permissions.');
  }
  entries.sort((a, b) => compareNames(a.name, b.name));
  const classDirs: { name: string; real: string }[] = [];
  const skipped: SkippedFile[] = [];
  const problems: Problem[] = [];
  let rootImages = 0;
  for (const e of entries) {
    if (isIgnoredName(e.name)) continue;
    const kind = await kindOf(root, e);
    if (kind.type === 'dir') {
      let real = join(realRoot, e.name);
      if (kind.link) {
        // A class folder may live elsewhere (linked in), but not inside another class or above the root.
        const judged = await judgeFolderLink(join(root, e.name), realRoot, []);
        if ('skip' in judged) {
          skipped.push({ path: e.name, reason: judged.skip });
          continue;
        }
        real = judged.real;
      }
      classDirs.push({ name: e.name, real });
    } else if (kind.type === 'error') {
      skipped.push({ path: e.name, reason: kind.error });
      problems.push({ kind: 'unreadable', path: e.name, message: `"${e.name}" is ${kind.error}.` });
    } else if (kind.type === 'file' && IMAGE_EXT.has(extname(e.name).toLowerCase())) {
      rootImages++;
      skipped.push({ path: e.name, reason: SKIP_REASONS.rootImage });
    } else {
      skipped.push({ path: e.name, reason: SKIP_REASONS.outsideClass });
    }
  }

  const scans: ClassScan[] = new Array(classDirs.length);
  let next = 0;
  const worker = async () => {
    while (next < classDirs.length) {
      const i = next++;
      const c = classDirs[i]!;
      scans[i] = await scanClass(root, realRoot, c.name, c.real, includeNested, options.signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CLASS_CONCURRENCY, classDirs.length) }, worker));

  const classes: DatasetClass[] = [];
  classDirs.forEach(({ name }, i) => {
    const s = scans[i]!;
    s.images.sort((a, b) => compareNames(a.path, b.path));
    classes.push({ name, images: s.images });
    skipped.push(...s.skipped);
    problems.push(...s.problems);
    if (s.unreadable) return; // already reported; "empty" would be misleading
    if (s.images.length === 0) problems.push({ kind: 'empty-class', class: name, path: name, message: `Class "${name}" has no images.` });
    else if (s.images.length < 2) problems.push({ kind: 'tiny-class', class: name, path: name, message: `Class "${name}" has only 1 image: it cannot be split into training and test.` });
    const nonImages = s.skipped.filter((f) => f.reason.startsWith('not a supported image type') || f.reason === SKIP_REASONS.noExtension);
    if (nonImages.length) {
      const n = nonImages.length;
      const exts = [...new Set(nonImages.map((f) => extname(f.path).toLowerCase() || '(none)'))].sort(compareNames);
      problems.push({
        kind: 'non-image',
        class: name,
        path: name,
        message: `Class "${name}" holds ${n} file${n === 1 ? ' that is not a supported image' : 's that are not supported images'} (${exts.join(', ')}), skipped.`,
      });
    }
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
