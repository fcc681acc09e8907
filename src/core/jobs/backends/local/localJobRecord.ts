// What Pixtune remembers about a training run on this machine, kept with the run itself
// (<run>/training/<job id>/pixtune-job.json, written atomically) so that a window reload, another
// window or the CLI all find the job; plus a small index of job folders so that "list" does not have
// to search the disk.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../../fsutil/atomicWrite';
import { withFileLock } from '../../../fsutil/fileLock';

export const LOCAL_JOB_FILE = 'pixtune-job.json';

export const localJobRecordSchema = z.object({
  version: z.literal(1),
  id: z.string().min(1),
  runDir: z.string(),
  jobDir: z.string(),
  baseModel: z.string(),
  python: z.string(),
  createdAt: z.number(),
  /** The process group leader of the current attempt (the trainer itself: spawned detached). */
  pid: z.number().int(),
  startedAt: z.number(),
  /** Set when stop() sent SIGTERM; cleared by resume(). */
  stopRequestedAt: z.number().optional(),
  attempts: z.number().int().min(1).default(1),
  config: z.record(z.string(), z.unknown()),
});
export type LocalJobRecord = z.infer<typeof localJobRecordSchema>;

export async function readLocalJobRecord(jobDir: string): Promise<LocalJobRecord | undefined> {
  try {
    const p = localJobRecordSchema.safeParse(JSON.parse(await readFile(join(jobDir, LOCAL_JOB_FILE), 'utf8')));
    return p.success ? p.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeLocalJobRecord(r: LocalJobRecord): Promise<void> {
  await writeFileAtomic(join(r.jobDir, LOCAL_JOB_FILE), JSON.stringify(r, null, 2) + '\n');
}

const indexSchema = z.object({ version: z.literal(1), jobs: z.array(z.object({ id: z.string(), jobDir: z.string() })) });

const sharedIndexes = new Map<string, LocalJobIndex>();

/**
 * The index of local jobs (id → folder). A broken index is rebuilt from what is added next: the records are the truth.
 * Every add re-reads the file, merges and renames into place under <index>.lock, so the CLI and every window
 * (each with its own backends) keep each other's entries.
 */
export class LocalJobIndex {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** The one instance of this process for `file`: its adds queue here instead of all polling the lock. */
  static for(file: string): LocalJobIndex {
    const key = resolve(file);
    let index = sharedIndexes.get(key);
    if (!index) sharedIndexes.set(key, (index = new LocalJobIndex(key)));
    return index;
  }

  async all(): Promise<{ id: string; jobDir: string }[]> {
    try {
      const p = indexSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      return p.success ? p.data.jobs : [];
    } catch {
      return [];
    }
  }

  /** Adds a job: serialised in this process, and locked against other processes between read and rename. */
  add(id: string, jobDir: string): Promise<void> {
    const next = this.queue.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await withFileLock(`${this.file}.lock`, async () => {
        const jobs = (await this.all()).filter((j) => j.id !== id);
        jobs.push({ id, jobDir });
        await writeFileAtomic(this.file, JSON.stringify({ version: 1, jobs }, null, 2) + '\n');
      });
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
