// What Pixtune remembers about a training run on this machine, kept with the run itself
// (<run>/training/<job id>/pixtune-job.json, written atomically) so that a window reload, another
// window or the CLI all find the job; plus a small index of job folders so that "list" does not have
// to search the disk.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../../fsutil/atomicWrite';

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

/** The index of local jobs (id → folder). A broken index is rebuilt from what is added next: the records are the truth. */
export class LocalJobIndex {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  async all(): Promise<{ id: string; jobDir: string }[]> {
    try {
      const p = indexSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      return p.success ? p.data.jobs : [];
    } catch {
      return [];
    }
  }

  /** Adds a job; writes are serialised so two launches in one process do not lose each other. */
  add(id: string, jobDir: string): Promise<void> {
    const next = this.queue.then(async () => {
      const jobs = (await this.all()).filter((j) => j.id !== id);
      jobs.push({ id, jobDir });
      await writeFileAtomic(this.file, JSON.stringify({ version: 1, jobs }, null, 2) + '\n');
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
