// The Ray job's working_dir: one zip holding the trainer package and the run's JSONL files, named by
// the hash of its content the way Ray names its own packages (gcs://_ray_pkg_<hash>.zip), so launching
// the same run again, or resuming it, finds the package on the cluster and uploads nothing. The zip is
// deterministic (sorted entries, fixed timestamps) and streamed to a temp file: JSONL files of hundreds
// of MB never sit in memory. The per-job config is not in it (it travels in the submit request), or
// every launch would make a new package.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { UserError } from '../../../errors';

/** Ray keeps packages in the GCS, whose messages are capped at 512 MiB (GCS_STORAGE_MAX_SIZE). */
export const RAY_PACKAGE_MAX_BYTES = 512 * 1024 * 1024;
/** A fixed timestamp makes the same files give the same bytes, hence the same package name. */
const FIXED_MTIME = new Date(Date.UTC(2020, 0, 1));

export interface PackageEntry {
  /** File on this machine. */
  source: string;
  /** Path inside the working_dir (forward slashes). */
  name: string;
}

export interface BuiltPackage {
  uri: string;
  zipPath: string;
  bytes: number;
  /** Removes the temp folder. */
  dispose(): Promise<void>;
}

/** Every file of the trainer package folder (pixtune_trainer/…), without caches. */
export async function trainerEntries(trainerRoot: string): Promise<PackageEntry[]> {
  const out: PackageEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      if (d.name === '__pycache__' || d.name.startsWith('.') || d.name.endsWith('.pyc')) continue;
      const p = join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (d.isFile()) out.push({ source: p, name: relative(trainerRoot, p).split(sep).join('/') });
    }
  };
  const pkg = join(trainerRoot, 'pixtune_trainer');
  if (!(await stat(pkg).then((s) => s.isDirectory(), () => false))) {
    throw new UserError(`The trainer package is missing (${pkg}).`, 'Reinstall the extension, or run from a checkout of Pixtune.');
  }
  await walk(pkg);
  return out;
}

/** Builds the zip in a temp folder and names it by its sha256. Aborting removes the temp folder. */
export async function buildWorkingDirPackage(entries: PackageEntry[], signal?: AbortSignal): Promise<BuiltPackage> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-raypkg-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const zip = new ZipFile();
    const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const seen = new Set<string>();
    for (const e of sorted) {
      if (seen.has(e.name)) throw new Error(`Two files would be ${e.name} in the package.`);
      seen.add(e.name);
      // Mode 0644: the zip must not depend on this machine's umask.
      // Lazy: a file is opened only when its turn comes, so a run in many parts does not hold many descriptors.
      zip.addReadStreamLazy(e.name, { mtime: FIXED_MTIME, mode: 0o100644, compress: true }, (cb) => cb(null, createReadStream(e.source)));
    }
    zip.end();
    const hash = createHash('sha256');
    const zipPath = join(dir, 'package.zip');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(zip.outputStream, hashing, createWriteStream(zipPath), { signal });
    const bytes = (await stat(zipPath)).size;
    if (bytes > RAY_PACKAGE_MAX_BYTES) {
      throw new UserError(
        `The run's files make a ${Math.round(bytes / 2 ** 20)} MB package; a Ray cluster accepts at most 512 MB per job package.`,
        'Prepare the run with a smaller image size or fewer images, or put the files on storage the cluster reads.',
      );
    }
    return { uri: `gcs://_ray_pkg_${hash.digest('hex').slice(0, 32)}.zip`, zipPath, bytes, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
