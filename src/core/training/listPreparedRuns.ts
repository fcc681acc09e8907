// Lists the prepared runs of a dataset: sub-folders of `.pixtune/<dataset>/` that hold a manifest.json.
// Reads only the manifest's small `files` section (never validates all images) so listing stays cheap.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { describeRun, type RunDescription } from './describeRunOptions';

const runFilesSchema = z.object({
  files: z.array(z.object({ name: z.string(), kind: z.enum(['finetune', 'batch']), split: z.string(), bytes: z.number(), lines: z.number() })),
  classes: z.array(z.string()).default([]),
  warnings: z.array(z.string()).default([]),
  // For a label a person can tell apart from the run beside it (describeRunOptions.ts).
  options: z.unknown().optional(),
  createdAt: z.string().optional(),
  images: z.array(z.object({ width: z.number(), height: z.number(), split: z.string() })).default([]),
});

export interface PreparedRun {
  name: string;
  dir: string;
  /** Newest first in listings. */
  modifiedMs: number;
  files: z.infer<typeof runFilesSchema>['files'];
  classCount: number;
  warnings: string[];
  /** Split, tile size, format and template, and when it was made; undefined for runs whose options do not parse. */
  description?: RunDescription;
  /** Set when the manifest is missing or unreadable: the folder is shown but cannot be used. */
  error?: string;
}

export async function listPreparedRuns(datasetOutputDir: string): Promise<PreparedRun[]> {
  let names: string[];
  try {
    names = (await readdir(datasetOutputDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
  const runs = await Promise.all(
    names.map(async (name): Promise<PreparedRun | undefined> => {
      const dir = join(datasetOutputDir, name);
      const manifestPath = join(dir, 'manifest.json');
      const info = await stat(manifestPath).catch(() => undefined);
      if (!info) return undefined; // not a run folder
      try {
        const parsed = runFilesSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
        const written = parsed.images.find((im) => im.split !== 'skipped' && im.split !== 'dropped');
        const description = describeRun({ options: parsed.options, createdAt: parsed.createdAt, tileSize: written }, info.mtimeMs);
        return { name, dir, modifiedMs: info.mtimeMs, files: parsed.files, classCount: parsed.classes.length, warnings: parsed.warnings, description };
      } catch (err) {
        return { name, dir, modifiedMs: info.mtimeMs, files: [], classCount: 0, warnings: [], error: `manifest.json is unreadable: ${(err as Error).message.split('\n')[0]}` };
      }
    }),
  );
  return runs.filter((r): r is PreparedRun => r !== undefined).sort((a, b) => b.modifiedMs - a.modifiedMs || (a.name < b.name ? -1 : 1));
}

/**
 * The most recently written run folder under any of `outputRoots` (each holding one folder per dataset, like
 * `<workspace>/.pixtune`), or undefined: where a file dialog about training files should start.
 */
export async function newestRunFolder(outputRoots: readonly string[]): Promise<string | undefined> {
  let best: PreparedRun | undefined;
  for (const root of outputRoots) {
    const datasets = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const d of datasets) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      for (const run of await listPreparedRuns(join(root, d.name))) if (!run.error && (!best || run.modifiedMs > best.modifiedMs)) best = run;
    }
  }
  return best?.dir;
}

/** A run folder name that sorts by time and says what the run was: `2026-11-29_0412_s42`. */
export function defaultRunName(now: Date, seed: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}_${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}_s${seed}`;
}
