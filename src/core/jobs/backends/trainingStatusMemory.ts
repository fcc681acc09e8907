// The last status Pixtune saw of each training job on this machine or a Ray cluster, kept on disk so that a job
// that ends while VS Code is closed or reloading is still announced once, at the next poll (the Mistral jobs
// remember theirs in the run folder's link). One JSON file in the extension's global storage, shared by its
// windows: every save re-reads the file under a lock and merges, so one window does not erase another's
// entries; written atomically; a missing or unreadable file means "seen nothing yet" (a warning, never a
// failure). Entries of jobs their backend no longer lists are dropped after a while, and the file has a cap.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../errors';
import { writeFileAtomic } from '../../fsutil/atomicWrite';
import { withFileLock } from '../../fsutil/fileLock';
import { isTerminalTrainingStatus, type TrainingJobView } from './trainingBackend';

const entrySchema = z.object({
  status: z.string().min(1),
  /** The user asked to stop it (from this or another window): its stop is not news. */
  stopRequested: z.boolean().optional(),
  /** When its backend last listed it (ms): refreshed at most daily, the age that pruning reads. */
  seenAt: z.number(),
});
export type SeenTrainingStatus = z.infer<typeof entrySchema>;

const fileSchema = z.object({ version: z.literal(1), jobs: z.record(z.string(), entrySchema) });

/** Entries whose job has not been listed for this long are dropped (a cluster gone, a run folder deleted). */
export const FORGET_AFTER_MS = 30 * 24 * 3600_000;
/** At most this many entries; the ones seen longest ago go first. */
export const MAX_ENTRIES = 500;
/** A listed job's entry is refreshed (one write) when it is older than this, not at every poll. */
const REFRESH_AFTER_MS = 24 * 3600_000;

/**
 * A job's key in the memory: backend, where it runs and id. Two Ray clusters can both have a "raysubmit_1",
 * and every local job is "this machine": the location keeps them apart.
 */
export const memoryKey = (v: Pick<TrainingJobView, 'backend' | 'id' | 'location'>) => `${v.backend}:${v.location}:${v.id}`;

export interface TrainingStatusMemoryOptions {
  file: string;
  log: { warn(message: string): void };
  /** The clock (ms); the pruning tests move it. */
  now?: () => number;
}

export class TrainingStatusMemory {
  private entries = new Map<string, SeenTrainingStatus>();
  /** Keys changed here since the last save: a save writes these over what is on disk. */
  private readonly dirty = new Set<string>();
  private loading: Promise<void> | undefined;
  private saving: Promise<void> | undefined;
  private saveAgain = false;
  private readonly now: () => number;

  constructor(private readonly opts: TrainingStatusMemoryOptions) {
    this.now = opts.now ?? Date.now;
  }

  get file(): string {
    return this.opts.file;
  }

  /** Reads the file once; later calls share that read. Never rejects. */
  load(): Promise<void> {
    this.loading ??= this.read().then((jobs) => {
      // Notes made before the file was read (a launch in the first second) win over the file.
      for (const [k, v] of Object.entries(jobs)) if (!this.dirty.has(k)) this.entries.set(k, v);
    });
    return this.loading;
  }

  get(v: Pick<TrainingJobView, 'backend' | 'id' | 'location'>): SeenTrainingStatus | undefined {
    return this.entries.get(memoryKey(v));
  }

  /**
   * Records a status as seen now. The stop flag is set by a stop request or a "stop requested" status, kept
   * through the job's end, and cleared when the job runs again after an end (a resume).
   */
  note(v: Pick<TrainingJobView, 'backend' | 'id' | 'location' | 'status'>, opts: { stopRequested?: boolean } = {}): void {
    const key = memoryKey(v);
    const before = this.entries.get(key);
    const resumed = before !== undefined && isTerminalTrainingStatus(before.status) && !isTerminalTrainingStatus(v.status);
    const stopRequested = opts.stopRequested || v.status === 'CANCELLATION_REQUESTED' || (!resumed && before?.stopRequested) || undefined;
    const now = this.now();
    if (before && before.status === v.status && before.stopRequested === stopRequested && now - before.seenAt < REFRESH_AFTER_MS) return;
    this.entries.set(key, { status: v.status, ...(stopRequested ? { stopRequested } : {}), seenAt: now });
    this.dirty.add(key);
    void this.save();
  }

  /** Writes what changed (merged into the file as it is now). Concurrent calls share a save; never rejects. */
  save(): Promise<void> {
    if (this.saving) {
      this.saveAgain = true;
      return this.saving;
    }
    this.saving = (async () => {
      do {
        this.saveAgain = false;
        await this.write();
      } while (this.saveAgain);
    })().finally(() => (this.saving = undefined));
    return this.saving;
  }

  /** Resolves when every note made so far is on disk (or its write failed and was logged). */
  async flush(): Promise<void> {
    await this.loading;
    while (this.saving) await this.saving;
  }

  private async read(): Promise<Record<string, SeenTrainingStatus>> {
    let text: string;
    try {
      text = await readFile(this.opts.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.log.warn(`training jobs: cannot read ${this.opts.file} (${errorMessage(err)}); jobs that ended while the window was closed are not announced this time`);
      return {};
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.jobs;
    } catch {
      // Not JSON: the same warning as a wrong shape, below.
    }
    this.opts.log.warn(`training jobs: ${this.opts.file} is not a status list Pixtune wrote; it starts again empty, and jobs that ended while the window was closed are not announced this time`);
    return {};
  }

  private async write(): Promise<void> {
    await this.load();
    const mine = new Set(this.dirty);
    this.dirty.clear();
    try {
      // The extension's global storage folder does not exist until something is put there.
      await mkdir(dirname(this.opts.file), { recursive: true });
      await withFileLock(`${this.opts.file}.lock`, async () => {
        const merged = new Map(Object.entries(await this.readQuietly()));
        // No await from here to the assignment: notes made while the file was read (still dirty) are kept too.
        for (const k of [...mine, ...this.dirty]) {
          const v = this.entries.get(k);
          if (v) merged.set(k, v);
        }
        this.entries = prune(merged, this.now());
        await writeFileAtomic(this.opts.file, JSON.stringify({ version: 1, jobs: Object.fromEntries(this.entries) }) + '\n');
      });
    } catch (err) {
      // Kept for the next save: a full disk or a lock held too long now may be gone then.
      for (const k of mine) this.dirty.add(k);
      this.opts.log.warn(`training jobs: cannot save the last seen statuses to ${this.opts.file}: ${errorMessage(err)}`);
    }
  }

  /** The file's entries for merging; a broken file was reported at load and is replaced by this save. */
  private async readQuietly(): Promise<Record<string, SeenTrainingStatus>> {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await readFile(this.opts.file, 'utf8')));
      return parsed.success ? parsed.data.jobs : {};
    } catch {
      return {};
    }
  }
}

/** Drops entries not listed for FORGET_AFTER_MS, then the oldest beyond MAX_ENTRIES. */
export function prune(entries: Map<string, SeenTrainingStatus>, now: number): Map<string, SeenTrainingStatus> {
  const kept = [...entries].filter(([, v]) => now - v.seenAt < FORGET_AFTER_MS);
  kept.sort((a, b) => b[1].seenAt - a[1].seenAt);
  return new Map(kept.slice(0, MAX_ENTRIES));
}
