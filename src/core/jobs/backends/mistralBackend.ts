// The hosted Mistral API (or the sandbox, or a compatible server) behind the TrainingBackend interface:
// the existing client and launch flow, unchanged in behaviour. Mistral retired hosted fine-tuning in
// 2026: its job routes answer 410, and the message now names the two backends that train today.
import type { MistralConnection } from '../../mistral/connection';
import { jobFailureMessage } from '../../mistral/jobSummary';
import type { FineTuningJob } from '../../mistral/wireSchemas';
import { createValidatedJob } from '../launchJob';
import { findRunFiles } from '../runFolderFiles';
import { withDefaultLength, type LaunchRequest, type TrainingArtefacts, type TrainingBackend, type TrainingJobView } from './trainingBackend';


export function viewOfMistralJob(job: FineTuningJob, serverUrl: string, runDir?: string): TrainingJobView {
  const metrics = [...(job.checkpoints ?? [])]
    .sort((a, b) => a.step_number - b.step_number)
    .map((c) => ({
      step: c.step_number,
      ...(c.metrics.train_loss != null ? { train_loss: c.metrics.train_loss } : {}),
      ...(c.metrics.valid_loss != null ? { valid_loss: c.metrics.valid_loss } : {}),
      ...(c.metrics.valid_mean_token_accuracy != null ? { valid_mean_token_accuracy: c.metrics.valid_mean_token_accuracy } : {}),
    }));
  const h: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(job.hyperparameters)) if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') h[k] = v;
  return {
    id: job.id,
    backend: 'mistral',
    location: serverUrl,
    status: job.status,
    baseModel: job.model,
    runDir,
    createdAt: job.created_at * 1000,
    updatedAt: job.modified_at * 1000,
    step: metrics.at(-1)?.step,
    totalSteps: job.hyperparameters.training_steps ?? undefined,
    message: job.status === 'FAILED' || job.status === 'FAILED_VALIDATION' ? jobFailureMessage(job) : undefined,
    hyperparameters: h,
    metrics,
    adapter: job.fine_tuned_model ?? undefined,
    resumable: false,
  };
}


export class MistralTrainingBackend implements TrainingBackend {
  readonly kind = 'mistral' as const;

  constructor(private readonly conn: MistralConnection, private readonly serverUrl: string, private readonly opts: { pollMs?: number; uploadCachePath?: string } = {}) {}

  /** Errors pass through as the client maps them; its 410 action (FINE_TUNING_RETIRED_ACTION) names the Ray and local backends. */
  private guard<T>(f: () => Promise<T>): Promise<T> {
    return f();
  }

  launch(req: LaunchRequest, signal?: AbortSignal): Promise<TrainingJobView> {
    return this.guard(async () => {
      // Ask the job routes first: when fine-tuning is retired, say so before uploading anything.
      await this.conn.jobs.list({ page: 0, page_size: 1 }, signal);
      const run = await findRunFiles(req.runDir);
      const h = withDefaultLength(req.hyperparameters);
      const { job } = await createValidatedJob(
        this.conn,
        run,
        { model: req.baseModel, ...(h.max_steps !== undefined ? { trainingSteps: h.max_steps } : { epochs: h.epochs }), learningRate: h.learning_rate, useValidation: run.validation.length > 0 },
        { signal, pollMs: this.opts.pollMs, uploadCachePath: this.opts.uploadCachePath },
      );
      const started = job.status === 'VALIDATED' ? await this.conn.jobs.start(job.id, signal) : job;
      return viewOfMistralJob(started, this.serverUrl, req.runDir);
    });
  }

  get(id: string, signal?: AbortSignal): Promise<TrainingJobView> {
    return this.guard(async () => viewOfMistralJob(await this.conn.jobs.get(id, signal), this.serverUrl));
  }

  list(signal?: AbortSignal): Promise<TrainingJobView[]> {
    return this.guard(async () => {
      const out: TrainingJobView[] = [];
      for await (const j of this.conn.jobs.listAll({ page_size: 100 }, signal)) out.push(viewOfMistralJob(j, this.serverUrl));
      return out;
    });
  }

  stop(id: string, signal?: AbortSignal): Promise<TrainingJobView> {
    return this.guard(async () => viewOfMistralJob(await this.conn.jobs.cancel(id, signal), this.serverUrl));
  }

  /** The service keeps no logs we can read: its events stand in for them. */
  logs(id: string, signal?: AbortSignal): Promise<string> {
    return this.guard(async () => {
      const job = await this.conn.jobs.get(id, signal);
      return (job.events ?? []).map((e) => `${new Date(e.created_at * 1000).toISOString()} ${e.name} ${JSON.stringify(e.data ?? {})}`).join('\n');
    });
  }

  artefacts(id: string, signal?: AbortSignal): Promise<TrainingArtefacts> {
    return this.guard(async () => {
      const job = await this.conn.jobs.get(id, signal);
      return { adapter: job.fine_tuned_model ?? undefined, checkpoints: [], fetchHint: job.fine_tuned_model ? `The model ${job.fine_tuned_model} is served by ${this.serverUrl}; it has no files to fetch.` : undefined };
    });
  }
}
