// What the launch confirmation says about cost and length, so that the numbers a user sees explain each
// other: the service's cost next to ours (and why they differ: a minimum charge per job), the length in
// steps and epochs (and why a small set gets more epochs than asked: a step is the smallest unit the
// service trains), and a warning when the length will make the model memorise a small set.
import type { FineTuningJob } from '../mistral/wireSchemas';
import { formatCost, formatSeconds, formatTokens } from './formatJob';
import { scaleEstimate, type OwnEstimate } from './ownEstimate';

/** The deprecated Mistral fine-tuning docs' minimum fee per job (USD); the sandbox charges the same. */
export const SERVICE_MINIMUM_CHARGE_USD = 4;
/** Passes over the data beyond which a set is memorised rather than learnt, and the stricter one for small sets. */
const OVERFIT_EPOCHS = 10;
const SMALL_SET_OVERFIT_EPOCHS = 5;
const SMALL_SET_EXAMPLES = 1000;

/** Epochs as a person reads them: "204", "2.5", "0.35" — never "203.528". */
export function formatEpochs(epochs: number): string {
  if (!Number.isFinite(epochs) || epochs <= 0) return String(epochs);
  if (epochs >= 10) return String(Math.round(epochs));
  if (epochs >= 1) return String(Number(epochs.toFixed(1)));
  return String(Number(epochs.toPrecision(2)));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Our price for the tokens alone, or undefined when we cannot tell (no estimate, no token count). */
function tokensOnlyCost(job: FineTuningJob, estimate: OwnEstimate | undefined): number | undefined {
  const tokens = job.metadata?.train_tokens;
  if (tokens == null || !estimate) return undefined;
  return (tokens / 1e6) * estimate.pricePerMillion;
}

/**
 * Why the service's cost is higher than the tokens would cost: its minimum charge per job. Undefined when the
 * cost follows from the tokens (or there is no cost).
 */
export function minimumChargeNote(job: FineTuningJob, estimate: OwnEstimate | undefined): string | undefined {
  const cost = job.metadata?.cost;
  if (cost == null) return undefined;
  const currency = job.metadata?.cost_currency;
  const tokensOnly = tokensOnlyCost(job, estimate);
  if (tokensOnly !== undefined) {
    if (cost <= tokensOnly * 1.25 + 0.01) return undefined;
    return `the service's minimum charge per job; the ${formatTokens(job.metadata!.train_tokens!)} training tokens alone come to about ${formatCost(tokensOnly, 'USD')}`;
  }
  return Math.abs(cost - SERVICE_MINIMUM_CHARGE_USD) < 0.005 && (currency ?? 'USD') === 'USD' ? 'the service\'s minimum charge per job' : undefined;
}

export interface LengthAdvice {
  /** "1 step (about 2.2 epochs)". */
  length: string;
  /** Why one step is more than the data, when it is. */
  stepNote?: string;
  /** Overfitting warning, when the length is far beyond what the set needs. */
  warning?: string;
}

export function lengthAdvice(job: FineTuningJob, estimate: OwnEstimate | undefined): LengthAdvice {
  const hp = job.hyperparameters;
  const m = job.metadata;
  const steps = hp.training_steps ?? undefined;
  const epochs = hp.epochs ?? undefined;
  const bits: string[] = [];
  if (steps != null) bits.push(plural(steps, 'step'));
  if (epochs != null) bits.push(steps != null ? `(about ${plural(Number(formatEpochs(epochs)), 'epoch')})` : plural(Number(formatEpochs(epochs)), 'epoch'));
  const out: LengthAdvice = { length: bits.join(' ') || 'as the service decides' };
  const perStep = m?.train_tokens_per_step ?? undefined;
  const data = m?.data_tokens ?? estimate?.dataTokens;
  if (perStep && data && perStep > data) {
    out.stepNote = `A step is the smallest unit the service trains: ${formatTokens(perStep)} tokens, more than one pass over this data (${formatTokens(data)} tokens), so even one step is ${formatEpochs(perStep / data)} epochs.`;
  }
  const examples = estimate?.examples;
  const limit = examples !== undefined && examples < SMALL_SET_EXAMPLES ? SMALL_SET_OVERFIT_EPOCHS : OVERFIT_EPOCHS;
  if (epochs !== undefined && epochs > limit) {
    const set = examples !== undefined ? plural(examples, 'example') : 'the training data';
    const passes = plural(Number(formatEpochs(epochs)), 'pass', 'passes');
    const what = steps != null ? `${plural(steps, 'step')} ${steps === 1 ? 'makes' : 'make'} about ${passes} over ${set}` : `${passes} (epochs) over ${set}`;
    out.warning = `Warning: ${what}: the model will memorise them (overfit) instead of learning the classes. 1–5 epochs is usual; choose fewer steps or add data.`;
  }
  return out;
}

/** The confirmation's text: the service's numbers next to ours, each explained. One fact per line. */
export function describeValidatedJob(job: FineTuningJob, server: { kind: string; label: string }, estimate: OwnEstimate | undefined): string {
  const m = job.metadata;
  const lines: string[] = [];
  if (m?.cost != null) {
    const why = minimumChargeNote(job, estimate);
    lines.push(`Cost (${server.kind === 'sandbox' ? 'sandbox, not billed' : server.label}): ${formatCost(m.cost, m.cost_currency)}${why ? ` — ${why}.` : ''}`);
  } else lines.push(`${server.label} did not state a cost.`);
  const advice = lengthAdvice(job, estimate);
  lines.push(`Length: ${advice.length}.${advice.stepNote ? ` ${advice.stepNote}` : ''}`);
  if (m?.train_tokens != null) lines.push(`Training tokens: ${formatTokens(m.train_tokens)}`);
  if (m?.expected_duration_seconds != null) lines.push(`Expected duration: ${formatSeconds(m.expected_duration_seconds)}`);
  lines.push(`Model ${job.model}; learning rate ${job.hyperparameters.learning_rate ?? '?'}`);
  if (estimate) {
    const est = scaleEstimate(estimate, job.hyperparameters.epochs ?? estimate.epochs);
    lines.push(`Our estimate from the run's report: ${formatCost(est.cost, 'USD')}, ${formatTokens(est.trainTokens)} training tokens (tokens only, no minimum charge).`);
  }
  if (advice.warning) lines.push(advice.warning);
  return lines.join('\n');
}
