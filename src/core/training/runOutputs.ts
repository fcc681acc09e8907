// The files a run writes into its folder, recognised by name. A second run into the same folder must
// not leave the first one's files beside its own (an old train.part-007.jsonl next to a new
// train.jsonl would be uploaded as if it belonged), so the CLI asks before replacing, and the new run
// replaces the old folder as a whole (fsutil/atomicFolder).
import { readdir } from 'node:fs/promises';

const RUN_FILE = /^(manifest\.json|report\.md|(train|validation|test\.batch)(\.part-\d{3})?\.jsonl)$/;

/** A file a run writes (or job.json, the jobs launched from it): replaced with the run, as a whole. */
export function isRunFileName(name: string): boolean {
  return RUN_FILE.test(name) || name === 'job.json';
}

/** Names of earlier run files in `dir` (none when it does not exist). */
export async function existingRunFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => RUN_FILE.test(n)).sort();
}
