// zod schemas of the Mistral wire format (snake_case) for the responses our own client reads.
// Cross-checked against SDK 2.4.0's fine-tuning job shapes (MISTRAL_API_DETAILS §2.5, §8.2).
// Objects are loose (unknown fields kept, so the CLI can print a job exactly as the API sent it)
// and status fields are open enums: a new status value must not break a running UI.
import { z } from 'zod';

export const JOB_STATUSES = [
  'QUEUED',
  'STARTED',
  'VALIDATING',
  'VALIDATED',
  'RUNNING',
  'FAILED_VALIDATION',
  'FAILED',
  'SUCCESS',
  'CANCELLED',
  'CANCELLATION_REQUESTED',
] as const;
export type KnownJobStatus = (typeof JOB_STATUSES)[number];
/** Known values autocomplete; unknown strings still type-check. */
export type JobStatus = KnownJobStatus | (string & {});

export const TERMINAL_JOB_STATUSES: readonly string[] = ['SUCCESS', 'FAILED', 'FAILED_VALIDATION', 'CANCELLED'];
export function isTerminalJobStatus(status: string): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

const num = z.number().nullish();

export const jobHyperparametersSchema = z.looseObject({
  training_steps: num,
  learning_rate: num,
  weight_decay: num,
  warmup_fraction: num,
  epochs: num,
  seq_len: num,
  fim_ratio: num,
});

export const jobMetadataSchema = z.looseObject({
  expected_duration_seconds: num,
  cost: num,
  cost_currency: z.string().nullish(),
  train_tokens_per_step: num,
  train_tokens: num,
  data_tokens: num,
  estimated_start_time: num,
});
export type JobMetadata = z.infer<typeof jobMetadataSchema>;

export const jobEventSchema = z.looseObject({
  name: z.string(),
  data: z.record(z.string(), z.unknown()).nullish(),
  created_at: z.number(),
});
export type JobEvent = z.infer<typeof jobEventSchema>;

export const jobCheckpointSchema = z.looseObject({
  metrics: z.looseObject({ train_loss: num, valid_loss: num, valid_mean_token_accuracy: num }),
  step_number: z.number().int(),
  created_at: z.number(),
});
export type JobCheckpoint = z.infer<typeof jobCheckpointSchema>;

export const fineTuningJobSchema = z.looseObject({
  id: z.string(),
  object: z.string().optional(),
  // SDK 2.4.0 discriminates on job_type; 2024 responses said "FT". We only carry it along.
  job_type: z.string().nullish(),
  auto_start: z.boolean(),
  model: z.string(),
  status: z.string() as z.ZodType<JobStatus>,
  created_at: z.number(),
  modified_at: z.number(),
  training_files: z.array(z.string()),
  validation_files: z.array(z.string()).nullish(),
  fine_tuned_model: z.string().nullish(),
  suffix: z.string().nullish(),
  integrations: z.array(z.unknown()).nullish(),
  trained_tokens: num,
  hyperparameters: jobHyperparametersSchema,
  metadata: jobMetadataSchema.nullish(),
  repositories: z.array(z.unknown()).nullish(),
  /** Only on the detailed form (get/start/cancel). */
  events: z.array(jobEventSchema).optional(),
  /** Newest first. Only on the detailed form. */
  checkpoints: z.array(jobCheckpointSchema).optional(),
});
export type FineTuningJob = z.infer<typeof fineTuningJobSchema>;

export const fineTuningJobListSchema = z.looseObject({
  object: z.string().optional(),
  data: z.array(fineTuningJobSchema).default([]),
  total: z.number().int(),
});
export type FineTuningJobList = z.infer<typeof fineTuningJobListSchema>;

/** What create answers for `?dry_run=true` (legacy): an estimate instead of a job. */
export const jobEstimateSchema = jobMetadataSchema.extend({
  object: z.literal('job.metadata'),
  details: z.string().optional(),
  epochs: num,
  training_steps: num,
});

export const uploadedFileSchema = z.looseObject({
  id: z.string(),
  object: z.string().optional(),
  bytes: z.number().int(),
  created_at: z.number(),
  filename: z.string(),
  purpose: z.string(),
  sample_type: z.string().nullish(),
  num_lines: z.number().int().nullish(),
  mimetype: z.string().nullish(),
  source: z.string().nullish(),
});
export type UploadedFile = z.infer<typeof uploadedFileSchema>;

export const jobCreateRequestSchema = z.object({
  model: z.string().min(1),
  training_files: z.array(z.object({ file_id: z.string(), weight: z.number().positive().default(1) })).min(1),
  validation_files: z.array(z.string()).optional(),
  hyperparameters: z.object({
    training_steps: z.number().int().min(1).optional(),
    learning_rate: z.number().min(1e-8).max(1).default(1e-4),
    weight_decay: z.number().min(0).max(1).optional(),
    warmup_fraction: z.number().min(0).max(1).optional(),
    epochs: z.number().positive().optional(),
    seq_len: z.number().int().min(100).optional(),
  }),
  suffix: z.string().max(18).optional(),
  auto_start: z.boolean().default(false),
  job_type: z.enum(['completion', 'classifier']).optional(),
  invalid_sample_skip_percentage: z.number().min(0).max(0.5).optional(),
});
export type JobCreateRequest = z.input<typeof jobCreateRequestSchema>;

export interface JobListQuery {
  page?: number;
  page_size?: number;
  model?: string;
  created_after?: Date;
  created_before?: Date;
  created_by_me?: boolean;
  status?: KnownJobStatus;
  suffix?: string;
}
