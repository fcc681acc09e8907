// Files named by data we did not write ourselves — a run folder's manifest.json, a job link, a
// predictions file — are resolved only inside the folder they belong to. A manifest cloned with a
// repository that lists `../../../../home/u/.ssh/id_rsa` (or a symlink pointing there) must never
// make Pixtune read, upload or delete that file. Every such name goes through resolveContainedPath.
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UserError } from '../errors';

export interface ContainedPathOptions {
  /** Allow "a/b.jpg" (sub-folders, never ".."); default: only a plain file name. */
  allowSubfolders?: boolean;
}

/** Why `name` may not be used as a file inside a folder, or undefined when it may (no I/O). */
export function containedNameProblem(name: string, opts: ContainedPathOptions = {}): string | undefined {
  if (typeof name !== 'string' || name === '') return 'the name is empty';
  if (name.includes('\0')) return 'the name contains a NUL character';
  if (isAbsolute(name) || /^[a-zA-Z]:/.test(name) || name.startsWith('\\') || name.startsWith('/')) return 'the name is an absolute path';
  const parts = name.split(/[\\/]/);
  if (parts.some((p) => p === '..')) return 'the name leads out of the folder ("..")';
  if (parts.some((p) => p === '' || p === '.')) return 'the name has an empty or "." part';
  if (!opts.allowSubfolders && parts.length > 1) return 'the name is not a plain file name';
  return undefined;
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

const REFUSED_ACTION = 'Only files inside the folder can be used; regenerate the file that names it.';

/**
 * The real path of `name` inside `folder`, or undefined when no such file exists. Throws a UserError
 * naming the file and the reason when the name is not relative-without-"..", or when its real path
 * (symlinks resolved) is outside the folder's real path.
 */
export async function existingContainedPath(folder: string, name: string, opts: ContainedPathOptions & { what?: string } = {}): Promise<string | undefined> {
  const what = opts.what ?? 'The file name';
  const problem = containedNameProblem(name, opts);
  if (problem) throw new UserError(`${what} "${name}" was refused: ${problem}.`, REFUSED_ACTION);
  const root = await realpath(folder);
  let real: string;
  try {
    real = await realpath(join(root, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!inside(root, real)) throw new UserError(`${what} "${name}" was refused: it points outside ${folder}.`, REFUSED_ACTION);
  return real;
}

/** Like existingContainedPath, and a missing file is a UserError too. */
export async function resolveContainedPath(folder: string, name: string, opts: ContainedPathOptions & { what?: string } = {}): Promise<string> {
  const real = await existingContainedPath(folder, name, opts);
  if (real === undefined) throw new UserError(`${opts.what ?? 'The file'} "${name}" does not exist in ${folder}.`);
  return real;
}
