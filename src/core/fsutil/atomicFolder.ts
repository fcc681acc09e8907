// A folder of files that belong together (a prepared run: JSONL parts, manifest, report) appears
// whole or not at all: everything is written into a staging folder beside the target and renamed
// into place at the end. A full disk, a crash or a cancellation leaves the old run (or nothing), never
// new JSONL beside an old manifest; replacing a run replaces all of it.
import { mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors';
import { isProcessAlive } from '../processAlive';
import { diskFullError } from './diskFull';

export interface AtomicFolderOptions {
  /** Replace an existing folder whose every entry `replaceable` accepts (default: refuse any non-empty folder). */
  replace?: boolean;
  /** Which existing entries may be thrown away with the old folder; anything else makes the write refuse. */
  replaceable?: (name: string) => boolean;
}

const STAGING = '.staging-';
const REPLACED = '.replaced-';

/** Removes staging/replaced siblings of `target` left by processes that died mid-write. */
async function removeAbandoned(target: string): Promise<void> {
  const prefix = `.${basename(target)}`;
  for (const name of await readdir(dirname(target)).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const m = /^\.(?:staging|replaced)-(\d+)-/.exec(rest);
    if (m && Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]))) await rm(join(dirname(target), name), { recursive: true, force: true });
  }
}

/**
 * Runs `fill(staging)` and then puts the staging folder at `target`. On any failure the staging
 * folder is removed and the target is as it was; a full disk becomes a UserError that says so.
 */
export async function writeFolderAtomic<T>(target: string, fill: (staging: string) => Promise<T>, opts: AtomicFolderOptions = {}): Promise<T> {
  const existing = await readdir(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing?.length) {
    const foreign = existing.filter((n) => !opts.replaceable?.(n));
    if (foreign.length) throw new UserError(`${target} holds other files (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}), which Pixtune will not replace.`, 'Choose a new or empty folder.');
    if (!opts.replace) throw new UserError(`${target} already holds a run (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}).`, 'Choose a new folder, or replace that run (--overwrite).');
  }
  await removeAbandoned(target);
  let staging: string | undefined;
  try {
    // The first run of a dataset goes to .pixtune/<dataset>/<run>: the parent may not exist yet.
    await mkdir(dirname(target), { recursive: true });
    staging = await mkdtemp(join(dirname(target), `.${basename(target)}${STAGING}${process.pid}-`));
    const result = await fill(staging);
    if (existing === undefined) {
      await rename(staging, target);
    } else if (existing.length === 0) {
      await rmdir(target);
      await rename(staging, target);
    } else {
      // Two renames: between them the old run is beside the target under a hidden name, never mixed with the new one.
      const old = join(dirname(target), `.${basename(target)}${REPLACED}${process.pid}-${randomBytes(4).toString('hex')}`);
      await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    }
    staging = undefined;
    return result;
  } catch (err) {
    if (staging) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw diskFullError(err, target) ?? err;
  }
}
