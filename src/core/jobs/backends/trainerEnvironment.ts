// Where the trainer and its environment come from. In a checkout: src/trainer and scripts/setup-python.sh.
// In an installed extension (no src/, no scripts/ in a VSIX): the copies the build puts in dist/trainer
// (esbuild.js copies the package's .py files, requirements.txt and setup-python.sh there), so the same
// script creates the same cached virtual environment from the same pinned requirements.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../errors';

export interface TrainerLocation {
  /** The folder holding pixtune_trainer/ (PYTHONPATH, and the Ray working_dir's source). */
  trainerRoot: string;
  setupScript: string;
  requirements: string;
  /** "checkout" (src/trainer) or "bundled" (dist/trainer of an installed extension). */
  source: 'checkout' | 'bundled';
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

/** `root` is the extension's or the checkout's top folder (the parent of dist/). */
export async function locateTrainer(root: string): Promise<TrainerLocation> {
  const src = join(root, 'src', 'trainer');
  if ((await isDir(join(src, 'pixtune_trainer'))) && (await isFile(join(root, 'scripts', 'setup-python.sh')))) {
    return { trainerRoot: src, setupScript: join(root, 'scripts', 'setup-python.sh'), requirements: join(src, 'requirements.txt'), source: 'checkout' };
  }
  const dist = join(root, 'dist', 'trainer');
  if ((await isDir(join(dist, 'pixtune_trainer'))) && (await isFile(join(dist, 'setup-python.sh')))) {
    return { trainerRoot: dist, setupScript: join(dist, 'setup-python.sh'), requirements: join(dist, 'requirements.txt'), source: 'bundled' };
  }
  throw new UserError(`The trainer is not found next to Pixtune (${root}).`, 'Reinstall the extension, or build the checkout with "node esbuild.js".');
}

export interface SetupOptions {
  signal?: AbortSignal;
  /** The setup's progress lines (stderr of the script). */
  onLine?: (line: string) => void;
  /** Only check, install nothing. */
  checkOnly?: boolean;
  /** Where environments are cached (PIXTUNE_CACHE); default ~/.cache/pixtune. */
  cacheDir?: string;
}

/** Runs setup-python.sh (cached: about a second when ready) and returns the environment's interpreter. */
export function setUpTrainerEnvironment(loc: TrainerLocation, opts: SetupOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [loc.setupScript, opts.checkOnly ? '--check' : '--print-python'], {
      env: { ...process.env, PIXTUNE_REQUIREMENTS: loc.requirements, ...(opts.cacheDir ? { PIXTUNE_CACHE: opts.cacheDir } : {}) },
      signal: opts.signal,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errTail = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    let partial = '';
    child.stderr.on('data', (c: Buffer) => {
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        errTail = l;
        opts.onLine?.(l);
      }
    });
    child.on('error', (e) => reject(opts.signal?.aborted ? e : new UserError(`Cannot run the trainer setup: ${e.message}`, 'Pixtune needs bash and Python 3.10+ on this machine.')));
    child.on('close', (code) => {
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      const python = out.trim().split('\n').pop() ?? '';
      if (code === 0 && python) return resolve(python);
      if (opts.checkOnly) return reject(new UserError('The trainer environment is not set up.', 'Run "pixtune trainer setup" (or Pixtune: Set Up Trainer).'));
      reject(new UserError(`Setting up the trainer environment failed: ${errTail.replace(/^\[setup-python\]\s*(error:\s*)?/, '') || `exit code ${code}`}`, 'Check the messages above, fix the cause and run the setup again.'));
    });
  });
}
