// One writer per predictions file: two evaluations of the same model on the same run (two windows, the
// CLI beside the extension) would ask every image twice and, in batch mode, pay for two Batch jobs. The
// lock is predictions/.<slug>.lock, created exclusively with the owner's pid inside; a lock whose
// process is gone (a crash, a killed window) is stale and taken over.
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors';
import { lockOwner, tryCreateLockFile } from '../fsutil/fileLock';
import { isProcessAlive } from '../processAlive';

export function predictionLockPath(file: string): string {
  return join(dirname(file), `.${basename(file, '.jsonl')}.lock`);
}

/** Takes the lock of predictions file `file` or says who holds it; resolves to its release. */
export async function lockPredictions(file: string): Promise<() => Promise<void>> {
  const path = predictionLockPath(file);
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    if (await tryCreateLockFile(path)) return () => rm(path, { force: true });
    const pid = await lockOwner(path);
    // An empty lock is one being written this instant: held. Only a dead owner's lock is taken over.
    const held = pid === undefined || isProcessAlive(pid);
    if (held || attempt > 0) {
      const who = pid === undefined ? 'another process' : pid === process.pid ? 'this window' : `process ${pid}`;
      throw new UserError(`An evaluation of this model on this run is already running (${who} holds ${path}).`, 'Wait for it to finish or cancel it; if no evaluation runs, delete the lock file.');
    }
    await rm(path, { force: true });
  }
}
