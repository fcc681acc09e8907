// Which files of a prepared run folder a fine-tuning job uses. The manifest lists them (a large
// training set may be sharded into several parts); a folder without a usable manifest falls back to
// the conventional names train.jsonl / validation.jsonl, so a hand-written train.jsonl works too.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';
import { existingContainedPath } from '../fsutil/containedPath';

const manifestFilesSchema = z.object({
  files: z.array(z.object({ name: z.string(), kind: z.string(), split: z.string(), bytes: z.number().optional(), lines: z.number().optional() })),
});

export interface RunFiles {
  runDir: string;
  /** "dataset/run", for display. */
  runName: string;
  training: string[];
  validation: string[];
  trainingLines?: number;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

export function runDisplayName(runDir: string): string {
  return `${basename(dirname(runDir))}/${basename(runDir)}`;
}

export async function findRunFiles(runDir: string): Promise<RunFiles> {
  const runName = runDisplayName(runDir);
  let listed: z.infer<typeof manifestFilesSchema>['files'] | undefined;
  try {
    listed = manifestFilesSchema.parse(JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8'))).files;
  } catch {
    listed = undefined;
  }
  const usable = async (name: string, what: string): Promise<boolean> => {
    const real = await existingContainedPath(runDir, name, { what });
    return real !== undefined && (await exists(real));
  };
  const pick = async (split: string, fallback: string): Promise<{ paths: string[]; lines?: number }> => {
    const fromManifest = (listed ?? []).filter((f) => f.kind === 'finetune' && f.split === split);
    const paths: string[] = [];
    // Names come from a file that may have been cloned with the repository: only files inside the run folder.
    for (const f of fromManifest) {
      if (await usable(f.name, `The manifest of ${runName} names a file`)) paths.push(join(runDir, f.name));
    }
    if (paths.length) return { paths, lines: fromManifest.reduce((n, f) => n + (f.lines ?? 0), 0) || undefined };
    return (await usable(fallback, `${fallback} of ${runName}`)) ? { paths: [join(runDir, fallback)] } : { paths: [] };
  };
  const training = await pick('train', 'train.jsonl');
  if (!training.paths.length) {
    throw new UserError(`The run folder ${runName} has no training file.`, 'Generate the training data again, or pick another run.');
  }
  const validation = await pick('validation', 'validation.jsonl');
  return { runDir, runName, training: training.paths, validation: validation.paths, trainingLines: training.lines };
}
