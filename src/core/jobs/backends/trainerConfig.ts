// The trainer's train config (src/trainer/CONTRACT.md) built from what the user chose: one function for
// the local and the Ray backends, so both run the trainer with the same fields.
import type { TrainingHyperparameters } from './trainingBackend';
import { withDefaultLength } from './trainingBackend';

export interface TrainerConfig {
  train_file: string | string[];
  validation_file: string | string[] | null;
  base_model: string;
  output_dir: string;
  epochs?: number;
  max_steps?: number;
  learning_rate: number;
  lora_rank: number;
  workers: number;
  gpus_per_worker: number;
  resume: boolean;
  sharding?: 'none' | 'fsdp';
  [field: string]: unknown;
}

const one = (files: string[]): string | string[] => (files.length === 1 ? files[0]! : files);

export function trainerConfig(opts: { training: string[]; validation: string[]; baseModel: string; outputDir: string; hyperparameters: TrainingHyperparameters; resume?: boolean }): TrainerConfig {
  const h = withDefaultLength(opts.hyperparameters);
  const optional: Record<string, unknown> = {};
  for (const k of ['batch_size', 'max_seq_len', 'checkpoint_every', 'eval_every', 'precision', 'load_in_4bit', 'seed'] as const) {
    if (h[k] !== undefined) optional[k] = h[k];
  }
  // Only when asked: a config without it is a DDP run, as every config written before sharding existed.
  if (h.sharding === 'fsdp') optional.sharding = 'fsdp';
  return {
    train_file: one(opts.training),
    validation_file: opts.validation.length ? one(opts.validation) : null,
    base_model: opts.baseModel,
    output_dir: opts.outputDir,
    ...(h.max_steps !== undefined ? { max_steps: h.max_steps } : { epochs: h.epochs }),
    learning_rate: h.learning_rate,
    lora_rank: h.lora_rank,
    workers: h.workers,
    gpus_per_worker: h.gpus_per_worker,
    resume: opts.resume ?? true,
    ...optional,
  };
}

/** The hyperparameters a job view shows (what was asked for, not the trainer's internal defaults). */
export function shownHyperparameters(c: TrainerConfig): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(c)) {
    if (['train_file', 'validation_file', 'base_model', 'output_dir', 'resume'].includes(k)) continue;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** What the user chose in the capacity dialog: go on as asked, load in 4-bit, or shard the model over the GPUs. */
export type CapacityChoice = 'as-asked' | '4bit' | 'shard';

/** The hyperparameters after that choice; sharding takes one worker per GPU the capacity check counted. */
export function withCapacityChoice(h: TrainingHyperparameters, choice: CapacityChoice, offerSharding?: { workers: number }): TrainingHyperparameters {
  if (choice === '4bit') return { ...h, load_in_4bit: true };
  if (choice === 'shard' && offerSharding) return { ...h, workers: offerSharding.workers, gpus_per_worker: 1, sharding: 'fsdp' };
  return h;
}
