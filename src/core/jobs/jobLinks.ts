// Links between fine-tuning jobs and the run folders they were launched from. Two copies: the
// extension's workspaceState (fast, survives reloads) and a small job.json in the run folder (so the
// link survives a new machine, and the CLI or a person can see which job trained on this data).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fsutil/atomicWrite';

export const jobLinkSchema = z.object({
  jobId: z.string().min(1),
  runDir: z.string().min(1),
  serverUrl: z.string(),
  model: z.string(),
  createdAt: z.number(),
  /** Last status we saw; lets a reload know which jobs were still running. */
  lastStatus: z.string().optional(),
  /**
   * When (ms since epoch) the job's server answered "no such job" (e.g. a restarted local sandbox lost it).
   * lastStatus is kept as it was: no terminal status is invented, the link just stops being waited for.
   */
  notFoundAt: z.number().optional(),
  /** When (ms) the user declined the job at the launch confirmation; it was cancelled and is not listed. */
  declinedAt: z.number().optional(),
  fineTunedModel: z.string().nullish(),
  uploadedFiles: z.array(z.object({ path: z.string(), fileId: z.string(), role: z.enum(['training', 'validation']) })).default([]),
});
export type JobLink = z.infer<typeof jobLinkSchema>;

/** job.json keeps every job launched from the folder, newest last. */
export const runJobFileSchema = z.object({ version: z.literal(1), jobs: z.array(jobLinkSchema) });
export type RunJobFile = z.infer<typeof runJobFileSchema>;

export const RUN_JOB_FILE = 'job.json';

export async function readRunJobFile(runDir: string): Promise<RunJobFile> {
  try {
    const parsed = runJobFileSchema.safeParse(JSON.parse(await readFile(join(runDir, RUN_JOB_FILE), 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // missing or unreadable: the link is a convenience, not data we must not lose
  }
  return { version: 1, jobs: [] };
}

/** Adds or updates the link in the run folder's job.json (atomically). */
export async function recordJobInRunFolder(link: JobLink): Promise<void> {
  const file = await readRunJobFile(link.runDir);
  const others = file.jobs.filter((j) => j.jobId !== link.jobId);
  await writeFileAtomic(join(link.runDir, RUN_JOB_FILE), JSON.stringify({ version: 1, jobs: [...others, link] }, null, 2) + '\n');
}

/** The workspaceState value: links keyed by job id. Unknown or broken entries are dropped, not fatal. */
export const jobLinkMapSchema = z.record(z.string(), z.unknown()).transform((rec) => {
  const out: Record<string, JobLink> = {};
  for (const [id, v] of Object.entries(rec)) {
    const p = jobLinkSchema.safeParse(v);
    if (p.success) out[id] = p.data;
  }
  return out;
});

export function parseJobLinks(value: unknown): Record<string, JobLink> {
  const p = jobLinkMapSchema.safeParse(value ?? {});
  return p.success ? p.data : {};
}
