// Finds folders that look like folder-per-class datasets (at least two sub-folders holding images),
// so "Add Dataset" from the command palette can offer them instead of a bare folder dialog.
// Looks only at directory listings (no stat, no decoding) and stops at a depth limit.
import { readdir } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { IMAGE_EXTENSIONS } from './types';

const IMAGE_EXT = new Set<string>(IMAGE_EXTENSIONS);
const SKIP_DIRS = new Set(['node_modules', '.git', '.pixtune', 'dist', 'out']);

export interface DatasetCandidate {
  path: string;
  classCount: number;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
}

async function holdsImages(dir: string): Promise<boolean> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.some((e) => e.isFile() && IMAGE_EXT.has(extname(e.name).toLowerCase()));
  } catch {
    return false;
  }
}

export async function findDatasetCandidates(
  roots: string[],
  opts: { maxDepth?: number; limit?: number; signal?: AbortSignal } = {},
): Promise<DatasetCandidate[]> {
  const maxDepth = opts.maxDepth ?? 3;
  const limit = opts.limit ?? 50;
  const found: DatasetCandidate[] = [];
  const queue: { dir: string; depth: number }[] = roots.map((dir) => ({ dir, depth: 0 }));
  while (queue.length && found.length < limit) {
    opts.signal?.throwIfAborted();
    const { dir, depth } = queue.shift()!;
    const subdirs = await listDirs(dir);
    let withImages = 0;
    for (const name of subdirs) if (await holdsImages(join(dir, name))) withImages++;
    if (withImages >= 2) {
      found.push({ path: dir, classCount: subdirs.length });
      continue; // a dataset's class folders are not datasets themselves
    }
    if (depth < maxDepth) for (const name of subdirs) queue.push({ dir: join(dir, name), depth: depth + 1 });
  }
  return found;
}
