// Temp folders of unit tests, removed when the test process exits (pass or fail): unit tests used to
// leave ~110 folders in /tmp after 20 runs. Use this instead of a bare mkdtemp.
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];
let hooked = false;

export async function tempFolder(prefix = 'pixtune-test-'): Promise<string> {
  if (!hooked) {
    hooked = true;
    // Synchronous on purpose: 'exit' runs no more asynchronous work.
    process.once('exit', () => {
      for (const d of created) rmSync(d, { recursive: true, force: true });
    });
  }
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}
