// The files a run writes into its folder, recognised by name. A second run into the same folder must
// not leave the first one's files beside its own (an old train.part-007.jsonl next to a new
// train.jsonl would be uploaded as if it belonged), so the CLI asks before replacing, then removes
// what the new run did not write.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const RUN_FILE = /^(manifest\.json|report\.md|(train|validation|test\.batch)(\.part-\d{3})?\.jsonl)$/;

/** Names of earlier run files in `dir` (none when it does not exist). */
export async function existingRunFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => RUN_FILE.test(n)).sort();
}

/** Removes the earlier run files that the new run (`kept`, by name) did not write again. */
export async function removeStaleRunFiles(dir: string, earlier: readonly string[], kept: readonly string[]): Promise<string[]> {
  const stale = earlier.filter((n) => !kept.includes(n));
  for (const n of stale) await rm(join(dir, n), { force: true });
  return stale;
}
