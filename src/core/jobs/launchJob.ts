// Launching a fine-tuning job without spending anything by surprise: upload the run's files (reusing
// same-content uploads), create the job with auto_start false, wait until the service has validated
// it and filled in cost, tokens and duration, and hand that back. Starting it is a separate call made
// only after the user confirms; declining cancels the job. dry_run is not used (the service ignored
// it for years and it is deprecated).
import type { MistralConnection } from '../mistral/connection';
import type { Progress } from '../mistral/fileUpload';
import type { FineTuningJob, JobCreateRequest } from '../mistral/wireSchemas';
import { UserError } from '../errors';
import { jobFailureMessage } from '../mistral/jobSummary';
import { isTerminalJobStatus } from '../mistral/wireSchemas';
import type { RunFiles } from './runFolderFiles';

export interface LaunchChoices {
  model: string;
  /** Exactly one of epochs and trainingSteps. */
  epochs?: number;
  trainingSteps?: number;
  learningRate: number;
  suffix?: string;
  useValidation: boolean;
}

export type LaunchStage =
  | { stage: 'upload'; file: string; index: number; count: number; reused?: boolean }
  | { stage: 'create' }
  | { stage: 'validate'; status: string };

export interface LaunchOptions {
  signal?: AbortSignal;
  onStage?: (s: LaunchStage) => void;
  onProgress?: (p: Progress) => void;
  /** Called as soon as the job exists (before validation), so it can be linked to its run folder. */
  onCreated?: (job: FineTuningJob, uploads: UploadedRunFile[]) => void | Promise<void>;
  /** sha256 → file id cache, so a relaunch of the same run uploads nothing. */
  uploadCachePath?: string;
  /** Poll interval while waiting for validation (tests go fast). */
  pollMs?: number;
  maxPollMs?: number;
}

export interface UploadedRunFile {
  path: string;
  fileId: string;
  role: 'training' | 'validation';
  reused: boolean;
}

export interface ValidatedLaunch {
  job: FineTuningJob;
  uploads: UploadedRunFile[];
}

const SUFFIX_MAX = 18;

/** A suffix the service accepts: letters, digits, dashes, at most 18 characters. */
export function cleanSuffix(s: string): string {
  return s.trim().replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, SUFFIX_MAX).replace(/-+$/, '');
}

export function checkLaunchChoices(c: LaunchChoices): string | undefined {
  if ((c.epochs === undefined) === (c.trainingSteps === undefined)) return 'Give either epochs or training steps.';
  if (c.epochs !== undefined && !(c.epochs > 0 && c.epochs <= 100)) return 'Epochs must be a number above 0 (at most 100).';
  if (c.trainingSteps !== undefined && !(Number.isInteger(c.trainingSteps) && c.trainingSteps >= 1)) return 'Training steps must be a whole number of at least 1.';
  if (!(c.learningRate > 0 && c.learningRate <= 1)) return 'The learning rate must be above 0 and at most 1 (1e-4 is usual).';
  if (c.suffix !== undefined && c.suffix !== cleanSuffix(c.suffix)) return `The suffix may only hold letters, digits and dashes, at most ${SUFFIX_MAX} characters.`;
  return undefined;
}

export function buildJobRequest(c: LaunchChoices, trainingFileIds: string[], validationFileIds: string[]): JobCreateRequest {
  return {
    model: c.model,
    training_files: trainingFileIds.map((file_id) => ({ file_id, weight: 1 })),
    ...(c.useValidation && validationFileIds.length ? { validation_files: validationFileIds } : {}),
    hyperparameters: {
      learning_rate: c.learningRate,
      ...(c.epochs !== undefined ? { epochs: c.epochs } : { training_steps: c.trainingSteps }),
    },
    ...(c.suffix ? { suffix: c.suffix } : {}),
    auto_start: false,
  };
}

/** Uploads, creates (auto_start false) and waits for VALIDATED. Throws a UserError if validation fails. */
export async function createValidatedJob(conn: MistralConnection, run: RunFiles, choices: LaunchChoices, opts: LaunchOptions = {}): Promise<ValidatedLaunch> {
  const problem = checkLaunchChoices(choices);
  if (problem) throw new UserError(problem, 'Launch again with a valid value.');
  const files = [
    ...run.training.map((path) => ({ path, role: 'training' as const })),
    ...(choices.useValidation ? run.validation.map((path) => ({ path, role: 'validation' as const })) : []),
  ];
  const uploads: UploadedRunFile[] = [];
  for (const [index, f] of files.entries()) {
    opts.onStage?.({ stage: 'upload', file: f.path, index, count: files.length });
    const res = await conn.files.upload(f.path, 'fine-tune', opts.onProgress, opts.signal, { cachePath: opts.uploadCachePath });
    if (res.reused) opts.onStage?.({ stage: 'upload', file: f.path, index, count: files.length, reused: true });
    uploads.push({ path: f.path, fileId: res.file.id, role: f.role, reused: res.reused });
  }
  opts.onStage?.({ stage: 'create' });
  const request = buildJobRequest(
    choices,
    uploads.filter((u) => u.role === 'training').map((u) => u.fileId),
    uploads.filter((u) => u.role === 'validation').map((u) => u.fileId),
  );
  const created = await conn.jobs.create(request, opts.signal);
  await opts.onCreated?.(created, uploads);
  let job = created;
  try {
    job = await conn.waitForJob(created.id, {
      signal: opts.signal,
      pollMs: opts.pollMs ?? 1500,
      maxPollMs: opts.maxPollMs ?? 10_000,
      until: (j) => j.status === 'VALIDATED' || j.status === 'RUNNING' || isTerminalJobStatus(j.status),
      onUpdate: (j) => opts.onStage?.({ stage: 'validate', status: j.status }),
    });
  } catch (err) {
    // Cancelled while waiting: nothing has been billed yet, so do not leave a job waiting for a start.
    if (opts.signal?.aborted) await conn.jobs.cancel(created.id).catch(() => undefined);
    throw err;
  }
  if (job.status === 'FAILED_VALIDATION' || job.status === 'FAILED' || job.status === 'CANCELLED') {
    const reason = jobFailureMessage(job);
    throw new UserError(
      `The service did not accept the training data (${job.status})${reason ? `: ${reason}` : '.'}`,
      'Check the run with Pixtune: Validate JSONL File, then launch again.',
      `job ${job.id}`,
    );
  }
  return { job, uploads };
}
