// Exclusive lock files shared by processes on this machine (the extension's windows, the CLI): created with
// 'wx' (exclusive) holding the owner's pid, so a lock whose process is gone (a crash, a killed window) is
// recognised as stale and taken over.
import { open, readFile, rm } from 'node:fs/promises';
import { UserError } from '../errors';
import { isProcessAlive } from '../processAlive';

/** Creates the lock file `path` with this process's pid; false when it exists already. */
export async function tryCreateLockFile(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    try {
      await fh.writeFile(`${process.pid}\n`);
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The pid in a lock file, or undefined when it is empty (being written this instant), unreadable or gone. */
export async function lockOwner(path: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const OWNERLESS_MS = 2000;

/**
 * Runs `fn` holding lock file `path`, waiting (polling) while a live process holds it. A dead owner's lock is
 * removed; one without a readable pid for over two seconds too (its writer died between create and write).
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const started = Date.now();
  let ownerless = 0;
  for (;;) {
    if (await tryCreateLockFile(path)) break;
    const pid = await lockOwner(path);
    if (pid === undefined ? ++ownerless * (opts.pollMs ?? 20) > OWNERLESS_MS : pid !== process.pid && !isProcessAlive(pid)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) throw new UserError(`${path} has been locked by ${pid ? `process ${pid}` : 'another process'} for over ${Math.round(timeoutMs / 1000)} s.`, 'Try again; if no other Pixtune window or command is running, delete the lock file.');
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 20));
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
