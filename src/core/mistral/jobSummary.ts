// Human-readable views of a fine-tuning job (wire shape), shared by the CLI and the extension's UI.
import type { FineTuningJob } from './wireSchemas';

/** The reason a job failed, from its last status event carrying one, if the server gave it. */
export function jobFailureMessage(job: FineTuningJob): string | undefined {
  for (const e of [...(job.events ?? [])].reverse()) {
    const d = e.data ?? {};
    for (const k of ['error', 'message', 'reason', 'detail']) {
      if (typeof d[k] === 'string' && d[k]) return d[k] as string;
    }
  }
  return undefined;
}

/** "17.88 USD, 8,937,456 training tokens, about 64 min" — undefined until validation filled it in. */
export function describeJobEstimate(job: FineTuningJob): string | undefined {
  const m = job.metadata;
  if (!m || (m.cost == null && m.train_tokens == null && m.expected_duration_seconds == null)) return undefined;
  const parts: string[] = [];
  if (m.cost != null) parts.push(`${m.cost.toFixed(2)} ${m.cost_currency ?? 'USD'}`);
  if (m.train_tokens != null) parts.push(`${m.train_tokens.toLocaleString('en-US')} training tokens`);
  if (m.data_tokens != null) parts.push(`${m.data_tokens.toLocaleString('en-US')} tokens of data`);
  if (m.expected_duration_seconds != null) parts.push(`about ${formatDuration(m.expected_duration_seconds)}`);
  return parts.join(', ');
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Newest checkpoint's train loss (checkpoints are listed newest first). */
export function latestTrainLoss(job: FineTuningJob): number | undefined {
  return job.checkpoints?.[0]?.metrics.train_loss ?? undefined;
}

export function describeJob(job: FineTuningJob): string[] {
  const lines = [`${job.id}  ${job.status}  ${job.model}${job.suffix ? `  suffix ${job.suffix}` : ''}`];
  if (job.fine_tuned_model) lines.push(`  fine-tuned model: ${job.fine_tuned_model}`);
  const hp = job.hyperparameters;
  const hpText = [hp.training_steps != null ? `${hp.training_steps} steps` : '', hp.epochs != null ? `${hp.epochs} epochs` : '', hp.learning_rate != null ? `lr ${hp.learning_rate}` : '']
    .filter(Boolean)
    .join(', ');
  if (hpText) lines.push(`  hyperparameters: ${hpText}`);
  const estimate = describeJobEstimate(job);
  if (estimate) lines.push(`  estimate: ${estimate}`);
  if (job.checkpoints?.length) {
    const first = job.checkpoints[job.checkpoints.length - 1]!;
    const last = job.checkpoints[0]!;
    lines.push(`  checkpoints: ${job.checkpoints.length}, train loss ${first.metrics.train_loss ?? '?'} (step ${first.step_number}) → ${last.metrics.train_loss ?? '?'} (step ${last.step_number})`);
  }
  const failure = jobFailureMessage(job);
  if (failure) lines.push(`  error: ${failure}`);
  return lines;
}
