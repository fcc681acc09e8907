// One interface for every place a model can be trained (the hosted Mistral API, a Ray cluster, this
// machine) and one view of a job that the jobs tree, the details panel and the watcher can show. The
// status vocabulary is the one those views already speak (the Mistral job statuses): each backend maps
// its own states onto it here, once, so no view learns about Ray or process states.
import { z } from 'zod';
import type { FineTuningJob, JobCheckpoint, JobStatus } from '../../mistral/wireSchemas';

export const BACKEND_KINDS = ['local', 'ray', 'mistral'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export const BACKEND_LABELS: Record<BackendKind, string> = {
  local: 'This machine',
  ray: 'Ray cluster',
  mistral: 'Mistral API',
};

/**
 * The statuses a training job can show, as the existing job views know them. Ray and local jobs use
 * QUEUED, STARTED, RUNNING, CANCELLATION_REQUESTED, SUCCESS, FAILED and CANCELLED (= stopped); the Mistral
 * API adds its validation states.
 */
export type TrainingStatus = JobStatus;

export function isTerminalTrainingStatus(s: string): boolean {
  return s === 'SUCCESS' || s === 'FAILED' || s === 'CANCELLED' || s === 'FAILED_VALIDATION';
}

/** One line of the trainer's metrics.jsonl (src/trainer/CONTRACT.md): absent fields were not measured. */
export const trainerMetricSchema = z.looseObject({
  step: z.number().int().nonnegative(),
  epoch: z.number().optional(),
  train_loss: z.number().optional(),
  valid_loss: z.number().optional(),
  valid_mean_token_accuracy: z.number().optional(),
  learning_rate: z.number().optional(),
  tokens_per_second: z.number().optional(),
  elapsed_seconds: z.number().optional(),
});
export type TrainerMetric = z.infer<typeof trainerMetricSchema>;

/** The trainer's status.json. */
export const trainerStatusSchema = z.looseObject({
  state: z.enum(['starting', 'running', 'succeeded', 'failed', 'stopped']),
  step: z.number().int().nonnegative().optional(),
  total_steps: z.number().int().nonnegative().nullish(),
  message: z.string().nullish(),
  error: z.string().nullish(),
  adapter_dir: z.string().nullish(),
  pid: z.number().int().optional(),
  updated_at: z.union([z.number(), z.string()]).optional(),
});
export type TrainerStatus = z.infer<typeof trainerStatusSchema>;

/** Hyperparameters named as Mistral names them, plus LoRA and placement; the trainer's config fields. */
export const trainingHyperparametersSchema = z
  .object({
    epochs: z.number().positive().optional(),
    max_steps: z.number().int().positive().optional(),
    learning_rate: z.number().positive().default(1e-4),
    lora_rank: z.number().int().positive().default(16),
    batch_size: z.number().int().positive().optional(),
    max_seq_len: z.number().int().positive().optional(),
    checkpoint_every: z.number().int().nonnegative().optional(),
    eval_every: z.number().int().nonnegative().optional(),
    precision: z.enum(['auto', 'bf16', 'fp16', 'fp32']).optional(),
    load_in_4bit: z.boolean().optional(),
    seed: z.number().int().optional(),
    workers: z.number().int().positive().default(1),
    gpus_per_worker: z.number().nonnegative().default(0),
    /** fsdp: the workers shard the model's weights (PyTorch FSDP) instead of each holding a whole copy. */
    sharding: z.enum(['none', 'fsdp']).optional(),
  })
  .refine((h) => !(h.epochs !== undefined && h.max_steps !== undefined), { message: 'Give either epochs or training steps, not both.' })
  .refine((h) => h.sharding !== 'fsdp' || h.workers >= 2, { message: 'Sharding (fsdp) needs at least 2 workers: it splits the model over their GPUs.' })
  .refine((h) => h.sharding !== 'fsdp' || !h.load_in_4bit, { message: 'Sharding (fsdp) and 4-bit loading do not go together: choose one.' });
export type TrainingHyperparameters = z.infer<typeof trainingHyperparametersSchema>;

/** Mistral's defaults (2 epochs, learning rate 1e-4) when the user gives no length. */
export function withDefaultLength(h: TrainingHyperparameters): TrainingHyperparameters {
  return h.epochs === undefined && h.max_steps === undefined ? { ...h, epochs: 2 } : h;
}

export interface TrainingJobView {
  id: string;
  backend: BackendKind;
  /** Where it runs: "this machine", the Ray dashboard address, the Mistral server URL. */
  location: string;
  status: TrainingStatus;
  baseModel: string;
  runDir?: string;
  /** ms since epoch. */
  createdAt: number;
  updatedAt: number;
  step?: number;
  totalSteps?: number;
  /** Why it failed or stopped, one sentence from the trainer or the backend. */
  message?: string;
  /** The last lines of the job's log when it failed. */
  logTail?: string;
  hyperparameters: Record<string, number | string | boolean>;
  metrics: TrainerMetric[];
  /** The final adapter: a path on this machine, or a location on the cluster. */
  adapter?: string;
  /** Stopped with a checkpoint: resume() continues it. */
  resumable: boolean;
}

export interface LaunchRequest {
  runDir: string;
  baseModel: string;
  hyperparameters: TrainingHyperparameters;
}

export interface TrainingArtefacts {
  /** The final adapter (PEFT folder) when there is one. */
  adapter?: string;
  checkpoints: string[];
  metricsFile?: string;
  /** How to get the adapter onto this machine, when it lives elsewhere. */
  fetchHint?: string;
}

export interface TrainingBackend {
  readonly kind: BackendKind;
  launch(req: LaunchRequest, signal?: AbortSignal): Promise<TrainingJobView>;
  get(id: string, signal?: AbortSignal): Promise<TrainingJobView>;
  list(signal?: AbortSignal): Promise<TrainingJobView[]>;
  stop(id: string, signal?: AbortSignal): Promise<TrainingJobView>;
  logs(id: string, signal?: AbortSignal): Promise<string>;
  artefacts(id: string, signal?: AbortSignal): Promise<TrainingArtefacts>;
  /** Continues a stopped job from its newest checkpoint (Ray and local). */
  resume?(id: string, signal?: AbortSignal): Promise<TrainingJobView>;
  /**
   * Calls onChange soon after the job's trainer writes its metrics or status, so a view reads the job at once
   * instead of at its next poll: local jobs through their files, running Ray jobs through their streamed log (which get()
   * then reads instead of downloading the whole log again).
   */
  watch?(id: string, onChange: () => void): { dispose(): void };
}

/** The trainer's states in the shared vocabulary. */
export function statusFromTrainer(state: TrainerStatus['state']): TrainingStatus {
  switch (state) {
    case 'starting':
      return 'STARTED';
    case 'running':
      return 'RUNNING';
    case 'succeeded':
      return 'SUCCESS';
    case 'failed':
      return 'FAILED';
    case 'stopped':
      return 'CANCELLED';
  }
}

/** Reads metrics JSONL text: lines that are not valid JSON (a line being written) are skipped, never guessed at. */
export function parseMetricsJsonl(text: string): TrainerMetric[] {
  const out: TrainerMetric[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const p = trainerMetricSchema.safeParse(JSON.parse(t));
      if (p.success) out.push(p.data);
    } catch {
      // a partial last line: read again at the next poll
    }
  }
  return out;
}

/** The last `lines` lines of a log, for a failure report. */
export function logTail(text: string, lines = 20): string {
  return text.replace(/\s+$/, '').split('\n').slice(-lines).join('\n');
}

/**
 * The job as the existing views (jobRowModel, jobDetailsModel, checkpointSeries) take it: metrics become
 * checkpoints, so the loss chart and "step 40 · loss 0.12" work for every backend without a second chart.
 */
export function toFineTuningJob(v: TrainingJobView): FineTuningJob {
  const checkpoints: JobCheckpoint[] = v.metrics.map((m) => ({
    step_number: m.step,
    created_at: Math.round(v.createdAt / 1000 + (m.elapsed_seconds ?? 0)),
    metrics: { train_loss: m.train_loss ?? null, valid_loss: m.valid_loss ?? null, valid_mean_token_accuracy: m.valid_mean_token_accuracy ?? null },
  }));
  const h = v.hyperparameters;
  const num = (x: unknown) => (typeof x === 'number' ? x : null);
  return {
    id: v.id,
    object: 'job',
    auto_start: true,
    model: v.baseModel,
    status: v.status,
    created_at: Math.round(v.createdAt / 1000),
    modified_at: Math.round(v.updatedAt / 1000),
    training_files: v.runDir ? ['train.jsonl'] : [],
    validation_files: [],
    fine_tuned_model: v.status === 'SUCCESS' ? (v.adapter ?? null) : null,
    hyperparameters: {
      ...h,
      training_steps: num(h.max_steps) ?? v.totalSteps ?? null,
      epochs: num(h.epochs),
      learning_rate: num(h.learning_rate),
    },
    checkpoints: checkpoints.reverse(),
    // jobFailureMessage and the timeline read events: the backend's own status change becomes one.
    events: [
      { name: 'status', data: { status: 'QUEUED' }, created_at: Math.round(v.createdAt / 1000) },
      { name: 'status', data: { status: v.status, ...(v.message ? { error: v.message } : {}) }, created_at: Math.round(v.updatedAt / 1000) },
    ],
    backend: v.backend,
    location: v.location,
  } as FineTuningJob;
}
