// A folder on a filesystem small enough to fill: a tmpfs of `bytes` mounted for the test and unmounted
// (and removed) after it. Needs root; elsewhere the test is skipped with the reason, never passed silently.
import { mkdtemp, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export async function withSmallFilesystem(t: TestContext, bytes: number, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-fulldisk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    t.skip(`cannot mount a small tmpfs here (needs root): ${(err as Error).message.split('\n')[0]}`);
    return;
  }
  try {
    await fn(dir);
  } finally {
    execFileSync('umount', [dir], { stdio: 'pipe' });
    await rm(dir, { recursive: true, force: true });
  }
}

/** Fills the filesystem holding `dir` up to its last `leave` bytes. */
export async function fillFilesystem(dir: string, leave = 0): Promise<void> {
  const { statfs, writeFile } = await import('node:fs/promises');
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  if (free > leave) await writeFile(join(dir, 'filler.bin'), Buffer.alloc(free - leave));
}
