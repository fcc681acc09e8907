// `pixtune trainer setup`: creates (or finds, cached) the trainer's Python environment and reports what it
// can use. Also the CLI's one way to open a training backend (local, ray, mistral), shared by `train`,
// `jobs … --backend` and `predict --backend`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UsageError, UserError } from '../core/errors';
import { localTrainerEnv } from '../core/jobs/backends/capacityProbe';
import { LocalTrainingBackend } from '../core/jobs/backends/local/localBackend';
import { MistralTrainingBackend } from '../core/jobs/backends/mistralBackend';
import { RayTrainingBackend } from '../core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../core/jobs/backends/ray/rayJobsClient';
import { locateTrainer, setUpTrainerEnvironment, type TrainerLocation } from '../core/jobs/backends/trainerEnvironment';
import { BACKEND_KINDS, type BackendKind, type TrainingBackend } from '../core/jobs/backends/trainingBackend';
import { createMistralConnection, DEFAULT_SERVER_URL } from '../core/mistral/connection';
import { CLI_KEY_ACTION } from '../core/mistral/errors';
import { parseCliArgs, printJson, type CliIO, type Subcommand } from './common';

const HELP = `Usage: pixtune trainer setup [--json]

Creates the trainer's Python environment (a virtual environment cached under ~/.cache/pixtune, or
PIXTUNE_CACHE; a fresh install downloads torch and takes minutes, a cached one about a second) and prints
{"python", "torch", "cuda", "gpus", "gpu_memory_gb"}. From a checkout it runs scripts/setup-python.sh; from
an installed extension, the copy shipped in dist/trainer with the same pinned requirements.`;

/** The folder holding package.json above this file (the checkout, or the installed extension). */
export function pixtuneRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return resolve(__dirname, '..');
}

export function cacheDir(io: CliIO): string {
  return io.env.PIXTUNE_CACHE ?? join(homedir(), '.cache', 'pixtune');
}

/** The trainer's interpreter: PIXTUNE_TRAINER_PYTHON, or the managed environment (set up when missing). */
export async function trainerPython(io: CliIO, loc: TrainerLocation, quiet = false): Promise<string> {
  if (io.env.PIXTUNE_TRAINER_PYTHON) return io.env.PIXTUNE_TRAINER_PYTHON;
  return setUpTrainerEnvironment(loc, { signal: io.signal, onLine: quiet ? undefined : (l) => io.err(l), cacheDir: io.env.PIXTUNE_CACHE });
}

/** RAY_AUTH_TOKEN, or the file named by RAY_AUTH_TOKEN_PATH (Ray's own two variables). Never printed. */
export async function rayToken(io: CliIO): Promise<string | undefined> {
  const direct = io.env.RAY_AUTH_TOKEN?.trim();
  if (direct) return direct;
  const path = io.env.RAY_AUTH_TOKEN_PATH;
  if (!path) return undefined;
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch {
    throw new UserError('RAY_AUTH_TOKEN_PATH names a file that cannot be read.', 'Point it at the cluster\'s token file, or set RAY_AUTH_TOKEN.');
  }
}

export function parseBackend(value: string | undefined, fallback?: BackendKind): BackendKind {
  const v = value ?? fallback;
  if (!v) throw new UsageError(`--backend is required (${BACKEND_KINDS.join(', ')}).`);
  if (!(BACKEND_KINDS as readonly string[]).includes(v)) throw new UsageError(`--backend must be one of ${BACKEND_KINDS.join(', ')}, not "${v}".`);
  return v as BackendKind;
}

export interface BackendChoice {
  backend: BackendKind;
  address?: string;
  serverUrl?: string;
  storagePath?: string;
  clusterPython?: string;
  quiet?: boolean;
}

export interface OpenedBackend {
  backend: TrainingBackend;
  loc?: TrainerLocation;
  python?: string;
  ray?: { client: RayJobsClient; backend: RayTrainingBackend };
}

export async function openBackend(io: CliIO, c: BackendChoice): Promise<OpenedBackend> {
  switch (c.backend) {
    case 'local': {
      const loc = await locateTrainer(pixtuneRoot());
      const python = await trainerPython(io, loc, c.quiet);
      return { backend: new LocalTrainingBackend({ python, trainerRoot: loc.trainerRoot, indexFile: join(cacheDir(io), 'local-jobs.json') }), loc, python };
    }
    case 'ray': {
      const address = c.address ?? io.env.RAY_ADDRESS ?? io.env.RAY_API_SERVER_ADDRESS;
      if (!address) throw new UsageError('--address is required for the ray backend (the dashboard, e.g. http://127.0.0.1:8265).');
      const loc = await locateTrainer(pixtuneRoot());
      const client = new RayJobsClient({ address, token: await rayToken(io), tokenAction: 'Set RAY_AUTH_TOKEN to the cluster\'s token (ray get-auth-token) and try again.' });
      const backend = new RayTrainingBackend({ client, trainerRoot: loc.trainerRoot, storagePath: c.storagePath, python: c.clusterPython, onStage: c.quiet ? undefined : (s, d) => io.err(`${s === 'package' ? 'Packaging the trainer and the run' : s === 'upload' ? 'Uploading the package' : 'Submitting the job'}${d ? ` (${d})` : ''}…`) });
      return { backend, loc, ray: { client, backend } };
    }
    case 'mistral': {
      const apiKey = io.env.MISTRAL_API_KEY?.trim();
      if (!apiKey) throw new UserError('MISTRAL_API_KEY is not set.', 'Set MISTRAL_API_KEY (for the sandbox, the key is "sandbox") and try again.');
      const serverUrl = c.serverUrl ?? io.env.MISTRAL_SERVER_URL ?? DEFAULT_SERVER_URL;
      return { backend: new MistralTrainingBackend(createMistralConnection({ apiKey, serverUrl, keyAction: CLI_KEY_ACTION }), serverUrl) };
    }
  }
}

export const trainerCommand: Subcommand = async (argv, io) => {
  const { values, positionals } = parseCliArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help || positionals[0] !== 'setup') {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  const loc = await locateTrainer(pixtuneRoot());
  // Progress on stderr either way: with --json, stdout holds only the document.
  const python = await trainerPython(io, loc);
  const env = await localTrainerEnv(python, loc.trainerRoot, io.signal);
  const summary = { python, torch: env.torch ?? null, cuda: env.cuda ?? false, gpus: env.gpus, gpu_memory_gb: env.gpu_memory_gb, trainer: loc.trainerRoot, source: loc.source };
  if (values.json) printJson(io, summary);
  else {
    io.out(`Trainer environment: ${python}`);
    io.out(`torch ${summary.torch ?? 'missing'}, ${summary.cuda ? `CUDA with ${env.gpus} GPU(s) (${env.gpu_memory_gb.map((g) => `${g} GB`).join(', ')})` : 'no CUDA GPU: training runs on the CPU'}.`);
    io.out(`Trainer package: ${loc.trainerRoot} (${loc.source === 'checkout' ? 'this checkout' : 'shipped with the extension'}).`);
  }
  return 0;
};
