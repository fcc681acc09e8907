// Chart series from a job's checkpoints. The service lists checkpoints newest first and may omit a
// metric (validation only exists with a validation file), so every series is aligned on the step
// axis with nulls for gaps, which the chart draws as breaks rather than zeros. A job trained without a
// validation file gets all-null validation series whatever the checkpoints say (a 0 there was never
// measured), and the chart leaves them out.
import type { JobCheckpoint } from '../mistral/wireSchemas';

export interface CheckpointSeries {
  steps: number[];
  trainLoss: (number | null)[];
  validLoss: (number | null)[];
  validAccuracy: (number | null)[];
}

const finite = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function checkpointSeries(checkpoints: readonly JobCheckpoint[] | undefined, opts: { withValidation?: boolean } = {}): CheckpointSeries {
  const validated = opts.withValidation ?? true;
  const byStep = new Map<number, JobCheckpoint>();
  // A later report for the same step wins (the service may re-send a checkpoint with more metrics).
  for (const c of [...(checkpoints ?? [])].sort((a, b) => a.created_at - b.created_at)) byStep.set(c.step_number, c);
  const ordered = [...byStep.values()].sort((a, b) => a.step_number - b.step_number);
  return {
    steps: ordered.map((c) => c.step_number),
    trainLoss: ordered.map((c) => finite(c.metrics.train_loss)),
    validLoss: ordered.map((c) => (validated ? finite(c.metrics.valid_loss) : null)),
    validAccuracy: ordered.map((c) => (validated ? finite(c.metrics.valid_mean_token_accuracy) : null)),
  };
}

/** The newest checkpoint (highest step), for "step 40 · loss 0.12" in the tree. */
export function latestCheckpoint(checkpoints: readonly JobCheckpoint[] | undefined): JobCheckpoint | undefined {
  let best: JobCheckpoint | undefined;
  for (const c of checkpoints ?? []) if (!best || c.step_number > best.step_number) best = c;
  return best;
}
