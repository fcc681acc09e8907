// What a training target has, for the capacity check: this machine (the trainer's own `env --json`,
// RAM, free disk where Hugging Face caches weights) or a Ray cluster (its resources, and `env --json`
// run as a small job on it); with a base model, whether the target can load it (`env --model`, asked
// there, since it is the target that downloads). And what a model source weighs when it is a folder here.
import { execFile } from 'node:child_process';
import { readdir, stat, statfs } from 'node:fs/promises';
import { homedir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../../errors';
import { trainerEnvSchema, type CapacityTarget, type TrainerEnv } from './capacityCheck';
import { clusterTotal } from './ray/entrypointResources';
import type { RayTrainingBackend } from './ray/rayBackend';

const run = promisify(execFile);

/** `python -m pixtune_trainer env --json [--model <baseModel>]` on this machine. */
export async function localTrainerEnv(python: string, trainerRoot: string, signal?: AbortSignal, baseModel?: string): Promise<TrainerEnv> {
  let stdout: string;
  try {
    ({ stdout } = await run(python, ['-m', 'pixtune_trainer', 'env', '--json', ...(baseModel !== undefined ? ['--model', baseModel] : [])], { cwd: trainerRoot, env: { ...process.env, PYTHONPATH: trainerRoot }, signal, timeout: 120_000 }));
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new UserError(`The trainer environment did not answer (${python}).`, 'Run "pixtune trainer setup" (or Pixtune: Set Up Trainer) and try again.', String(err));
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  const p = trainerEnvSchema.safeParse(JSON.parse(line));
  if (!p.success) throw new UserError('The trainer reported its environment in an unexpected form.', undefined, p.error.message);
  return p.data;
}

export async function localTarget(env: TrainerEnv): Promise<CapacityTarget> {
  const cache = process.env.HF_HOME ?? join(homedir(), '.cache');
  const fs = await statfs(cache).catch(() => statfs(homedir()).catch(() => undefined));
  return { gpuMemoryGb: env.gpu_memory_gb, ramGb: totalmem() / 2 ** 30, freeDiskGb: fs ? (fs.bavail * fs.bsize) / 2 ** 30 : undefined, label: 'this machine', fourBitReady: fourBitReady(env), modelSource: env.model_source };
}

/** 4-bit loading needs a CUDA GPU and bitsandbytes (not pinned in requirements.txt: it is CUDA-only). */
export function fourBitReady(env: TrainerEnv): boolean {
  return Boolean(env.cuda && env.bitsandbytes);
}

/**
 * A Ray cluster: GPU memory from the trainer's env on a cluster node, GPU count and RAM from the cluster's resources.
 * The probe runs with or without GPUs: whether the base model can be had is a node's answer too (its paths, its hub
 * access, its HF_TOKEN), and a cluster Python without the trainer's packages is found before the training.
 */
export async function rayTarget(backend: RayTrainingBackend, client: { clusterUsage(signal?: AbortSignal): Promise<Record<string, unknown> | undefined> }, signal?: AbortSignal, baseModel?: string): Promise<CapacityTarget> {
  const usage = await client.clusterUsage(signal);
  const total = (k: string) => clusterTotal(usage, k);
  const gpus = total('GPU');
  const env = trainerEnvSchema.parse(await backend.probeEnvironment(signal, { baseModel }));
  // The probe sees one node; clusters are usually built of one kind of GPU node.
  const each = env.gpu_memory_gb.length ? Math.min(...env.gpu_memory_gb) : 0;
  const perGpu = gpus > 0 ? Array.from({ length: gpus }, () => each) : [];
  return { gpuMemoryGb: perGpu, ramGb: total('memory') / 2 ** 30, label: `the Ray cluster at ${backend.address}`, fourBitReady: gpus > 0 && fourBitReady(env), modelSource: env.model_source };
}

/** Bytes of weight files in a model folder (safetensors or PyTorch bins), or undefined when it is not a folder here. */
export async function weightBytes(dir: string): Promise<number | undefined> {
  const names = await readdir(dir).catch(() => undefined);
  if (!names) return undefined;
  let sum = 0;
  for (const n of names) if (/\.(safetensors|bin)$/.test(n)) sum += (await stat(join(dir, n))).size;
  return sum;
}
