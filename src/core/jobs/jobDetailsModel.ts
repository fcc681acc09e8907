// The data the job-details webview renders: computed on the host from the wire job, sent as one
// message, validated again in the webview (src/webview/messages.ts holds the schema and checks it
// matches this type). Every string is plain text; the webview sets it with textContent.
import { jobFailureMessage } from '../mistral/jobSummary';
import type { FineTuningJob } from '../mistral/wireSchemas';
import { checkpointSeries, type CheckpointSeries } from './checkpointSeries';
import { formatEpochs, minimumChargeNote } from './launchCost';
import { formatCost, formatLoss, formatPercent, formatSeconds, formatTimestamp, formatTokens } from './formatJob';
import { buildTimeline } from './jobTimeline';
import { canCancel, canStart, statusLook } from './jobStatusView';
import { scaleEstimate, type OwnEstimate } from './ownEstimate';

export { scaleEstimate };

export interface LabelledValue {
  label: string;
  value: string;
}

export interface JobDetailsModel {
  id: string;
  title: string;
  status: string;
  statusLabel: string;
  statusIcon: string;
  /** Theme colour id, e.g. "charts.blue"; the webview maps it to --vscode-charts-blue. */
  statusColor?: string;
  active: boolean;
  /** "Sandbox" or the server host; shown as a badge so a rehearsal is never mistaken for Mistral. */
  serverLabel: string;
  isSandbox: boolean;
  failure?: string;
  summary: LabelledValue[];
  timeline: { label: string; icon: string; color?: string; at: string; duration?: string; note?: string }[];
  hyperparameters: LabelledValue[];
  files: LabelledValue[];
  costs: LabelledValue[];
  series: CheckpointSeries;
  latest?: string;
  canStart: boolean;
  canCancel: boolean;
  hasModel: boolean;
  /** Shell commands shown whole, each with a Copy button (how to serve a trained adapter and evaluate it). */
  commands?: LabelledValue[];
  /** A calm note above everything (e.g. "the sandbox was restarted; this is the saved record"). */
  notice?: string;
  /** Built from what was recorded about the job, not from the server: the page keeps a richer saved copy. */
  recorded?: boolean;
}

export interface DetailsContext {
  nowMs: number;
  serverLabel: string;
  isSandbox: boolean;
  runName?: string;
  estimate?: OwnEstimate;
}

// A Map: hyperparameter names come from the server ("constructor" must be shown as itself).
const HYPERPARAMETER_LABELS = new Map<string, string>(Object.entries({
  training_steps: 'Training steps',
  epochs: 'Epochs',
  learning_rate: 'Learning rate',
  weight_decay: 'Weight decay',
  warmup_fraction: 'Warm-up fraction',
  seq_len: 'Sequence length',
  fim_ratio: 'FIM ratio',
}));

export function jobDetailsModel(job: FineTuningJob, ctx: DetailsContext): JobDetailsModel {
  const look = statusLook(job.status);
  const nowSeconds = ctx.nowMs / 1000;
  const summary: LabelledValue[] = [
    { label: 'Job', value: job.id },
    { label: 'Base model', value: job.model },
  ];
  if (job.fine_tuned_model) summary.push({ label: 'Fine-tuned model', value: job.fine_tuned_model });
  if (job.suffix) summary.push({ label: 'Suffix', value: job.suffix });
  summary.push({ label: 'Created', value: formatTimestamp(job.created_at) }, { label: 'Last change', value: formatTimestamp(job.modified_at) });
  if (ctx.runName) summary.push({ label: 'Run folder', value: ctx.runName });

  const hyperparameters = Object.entries(job.hyperparameters)
    .filter(([, v]) => v !== null && v !== undefined)
    // Epochs derived from a step count are long decimals ("64.0939"): shown as read elsewhere ("64").
    .map(([k, v]) => ({ label: HYPERPARAMETER_LABELS.get(k) ?? k, value: typeof v === 'number' ? (k === 'epochs' ? formatEpochs(v) : String(v)) : JSON.stringify(v) }));

  const files = [
    ...job.training_files.map((id) => ({ label: 'Training', value: id })),
    ...(job.validation_files ?? []).map((id) => ({ label: 'Validation', value: id })),
  ];

  const m = job.metadata ?? undefined;
  const costs: LabelledValue[] = [];
  if (m?.cost != null) {
    const why = minimumChargeNote(job, ctx.estimate);
    costs.push({ label: ctx.isSandbox ? 'Cost (sandbox, not billed)' : 'Cost (service)', value: `${formatCost(m.cost, m.cost_currency)}${why ? ` (${why})` : ''}` });
  }
  if (m?.train_tokens != null) costs.push({ label: 'Training tokens (service)', value: formatTokens(m.train_tokens) });
  if (m?.data_tokens != null) costs.push({ label: 'Data tokens (service)', value: formatTokens(m.data_tokens) });
  if (m?.expected_duration_seconds != null) costs.push({ label: 'Expected duration', value: formatSeconds(m.expected_duration_seconds) });
  if (job.trained_tokens != null) costs.push({ label: 'Trained tokens', value: formatTokens(job.trained_tokens) });
  if (ctx.estimate) {
    const epochs = job.hyperparameters.epochs ?? ctx.estimate.epochs;
    const est = scaleEstimate(ctx.estimate, epochs);
    // Epochs the service derived from a step count can be long decimals ("203.528"): read as a person would.
    const shown = formatEpochs(epochs);
    costs.push({ label: `Our estimate (${shown} epoch${shown === '1' ? '' : 's'})`, value: `${formatCost(est.cost, 'USD')}, ${formatTokens(est.trainTokens)} tokens` });
  }

  const timeline = buildTimeline(job.events, { nowSeconds, active: look.active }).map((e) => ({
    label: e.label,
    icon: e.icon,
    color: e.color,
    at: formatTimestamp(e.at),
    duration: e.durationSeconds !== undefined ? formatSeconds(e.durationSeconds) : undefined,
    note: e.note,
  }));

  // Without a validation file nothing was validated: whatever the service puts in those fields is not plotted.
  const series = checkpointSeries(job.checkpoints, { withValidation: (job.validation_files ?? []).length > 0 });
  let latest: string | undefined;
  const n = series.steps.length;
  if (n) {
    const bits = [`step ${series.steps[n - 1]}${job.hyperparameters.training_steps ? ` of ${job.hyperparameters.training_steps}` : ''}`];
    const tl = series.trainLoss[n - 1];
    const vl = series.validLoss[n - 1];
    const acc = series.validAccuracy[n - 1];
    if (tl != null) bits.push(`train loss ${formatLoss(tl)}`);
    if (vl != null) bits.push(`validation loss ${formatLoss(vl)}`);
    if (acc != null) bits.push(`token accuracy ${formatPercent(acc)}`);
    latest = bits.join(' · ');
  }

  const failure = job.status === 'FAILED' || job.status === 'FAILED_VALIDATION' ? (jobFailureMessage(job) ?? 'The service gave no reason.') : undefined;
  return {
    id: job.id,
    title: job.fine_tuned_model ?? `${job.model}${job.suffix ? ` · ${job.suffix}` : ''}`,
    status: job.status,
    statusLabel: look.label,
    statusIcon: look.icon,
    statusColor: look.color,
    active: look.active,
    serverLabel: ctx.serverLabel,
    isSandbox: ctx.isSandbox,
    failure,
    summary,
    timeline,
    hyperparameters,
    files,
    costs,
    series,
    latest,
    canStart: canStart(job.status),
    canCancel: canCancel(job.status),
    hasModel: Boolean(job.fine_tuned_model),
  };
}

