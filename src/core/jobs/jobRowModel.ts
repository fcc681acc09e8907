// What one row of the Fine-tuning Jobs tree shows. Built here, not in the tree provider, so the
// texts are tested without VS Code.
import { jobFailureMessage } from '../mistral/jobSummary';
import type { FineTuningJob } from '../mistral/wireSchemas';
import { latestCheckpoint } from './checkpointSeries';
import { formatAge, formatCost, formatLoss } from './formatJob';
import { statusLook, canCancel, canStart, type StatusLook } from './jobStatusView';

export interface JobRowModel {
  id: string;
  label: string;
  description: string;
  tooltip: string[];
  look: StatusLook;
  /** Matched by package.json menus: "job" plus flags, e.g. "job.startable.cancellable.hasModel". */
  contextValue: string;
  progress?: { step: number; totalSteps?: number; trainLoss?: number };
}

export function progressOf(job: FineTuningJob): JobRowModel['progress'] {
  const cp = latestCheckpoint(job.checkpoints);
  if (!cp) return undefined;
  return {
    step: cp.step_number,
    totalSteps: job.hyperparameters.training_steps ?? undefined,
    trainLoss: cp.metrics.train_loss ?? undefined,
  };
}

export function jobRowModel(job: FineTuningJob, nowMs: number, opts: { runName?: string } = {}): JobRowModel {
  const look = statusLook(job.status);
  const label = job.fine_tuned_model ?? `${job.model}${job.suffix ? ` · ${job.suffix}` : ''}`;
  const progress = progressOf(job);
  const parts = [look.label, formatAge(job.created_at, nowMs)];
  if (progress && (look.active || job.status === 'SUCCESS')) {
    parts.push(`step ${progress.step}${progress.totalSteps ? `/${progress.totalSteps}` : ''}`);
    if (progress.trainLoss !== undefined) parts.push(`loss ${formatLoss(progress.trainLoss)}`);
  }
  if (opts.runName) parts.push(opts.runName);

  const tooltip = [`${look.label} — ${job.id}`, `Base model: ${job.model}`];
  if (job.fine_tuned_model) tooltip.push(`Fine-tuned model: ${job.fine_tuned_model}`);
  if (job.suffix) tooltip.push(`Suffix: ${job.suffix}`);
  const m = job.metadata;
  if (m?.cost != null) tooltip.push(`Cost: ${formatCost(m.cost, m.cost_currency)}`);
  if (opts.runName) tooltip.push(`Run folder: ${opts.runName}`);
  const failure = jobFailureMessage(job);
  if (failure && (job.status === 'FAILED' || job.status === 'FAILED_VALIDATION')) tooltip.push(`Error: ${failure}`);

  const flags = ['job'];
  if (canStart(job.status)) flags.push('startable');
  if (canCancel(job.status)) flags.push('cancellable');
  if (job.fine_tuned_model) flags.push('hasModel');
  return { id: job.id, label, description: parts.join(' · '), tooltip, look, contextValue: flags.join('.'), progress };
}
