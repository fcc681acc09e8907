// Telling a view at once that a local job's trainer wrote something, instead of at the next poll: an fs.watch
// on the job folder (inotify, FSEvents, ReadDirectoryChangesW — no polling) for the two files that change what a
// view shows, metrics.jsonl and status.json. The first event is passed on at once (a metrics line is drawn within
// milliseconds); those in the next `delayMs` are coalesced into one call at its end, so a line written in two
// pieces costs at most one more read and a busy trainer at most one every `delayMs`. Where fs.watch is unavailable
// (some network and container file systems, inotify limits reached) or fails later, the two files are stat-polled.
import { unwatchFile, watch, watchFile, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/** The trainer's files whose changes a view shows (src/trainer/CONTRACT.md). */
export const WATCHED_JOB_FILES = ['metrics.jsonl', 'status.json'] as const;

export interface JobFolderWatchOptions {
  /** After a call, further changes within this time (ms) make one call at its end. */
  delayMs?: number;
  /** Stat-polling interval where fs.watch is unavailable (ms). */
  fallbackPollMs?: number;
  /** Use the stat-polling fallback from the start (tests of the fallback). */
  forcePolling?: boolean;
}

/** Calls `onChange` (coalesced) whenever the trainer's metrics or status in `jobDir` change; returns the stop. */
export function watchJobFolder(jobDir: string, onChange: () => void, opts: JobFolderWatchOptions = {}): () => void {
  const delayMs = opts.delayMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  let closed = false;
  let fsWatcher: FSWatcher | undefined;
  let polled: string[] = [];

  const changed = (): void => {
    if (closed) return;
    if (timer) {
      pending = true;
      return;
    }
    onChange();
    timer = setTimeout(() => {
      timer = undefined;
      if (!pending) return;
      pending = false;
      changed();
    }, delayMs);
  };

  const poll = () => {
    fsWatcher?.close();
    fsWatcher = undefined;
    if (closed || polled.length) return;
    polled = WATCHED_JOB_FILES.map((f) => join(jobDir, f));
    // The listener sees a change of size or mtime (also a file appearing or going); persistent: false, so a
    // CLI waiting on a job is not kept alive by it.
    for (const f of polled) watchFile(f, { interval: opts.fallbackPollMs ?? 500, persistent: false }, changed);
  };

  if (opts.forcePolling) poll();
  else {
    try {
      fsWatcher = watch(jobDir, { persistent: false }, (_event, name) => {
        // No name: the platform could not say which file; read again rather than miss one.
        if (!name || (WATCHED_JOB_FILES as readonly string[]).includes(name.toString())) changed();
      });
      // A watch that breaks later (the folder removed, the file system unmounted) falls back too.
      fsWatcher.on('error', poll);
    } catch {
      poll();
    }
  }

  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    fsWatcher?.close();
    for (const f of polled) unwatchFile(f, changed);
  };
}
