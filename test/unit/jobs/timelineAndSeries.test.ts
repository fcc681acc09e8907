import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTimeline } from '../../../src/core/jobs/jobTimeline';
import { checkpointSeries, latestCheckpoint } from '../../../src/core/jobs/checkpointSeries';
import { jobDetailsModel } from '../../../src/core/jobs/jobDetailsModel';
import { T0, wireJob } from './fixtures';

const ev = (status: string, t: number, extra: Record<string, unknown> = {}) => ({ name: 'status-updated', data: { status, ...extra }, created_at: T0 + t });

test('the timeline orders status events oldest first, with the time spent in each', () => {
  const tl = buildTimeline([ev('RUNNING', 30), ev('QUEUED', 0), ev('VALIDATING', 5), ev('VALIDATED', 12), ev('SUCCESS', 630)]);
  assert.deepEqual(tl.map((e) => e.key), ['QUEUED', 'VALIDATING', 'VALIDATED', 'RUNNING', 'SUCCESS']);
  assert.deepEqual(tl.map((e) => e.durationSeconds), [5, 7, 18, 600, undefined]);
  assert.equal(tl[3]!.icon, 'sync', 'spinning icons are not spun in a static timeline');
});

test('the last entry of an active job runs until now; repeated statuses collapse; other events are kept', () => {
  const tl = buildTimeline([ev('QUEUED', 0), ev('QUEUED', 2), ev('RUNNING', 10), { name: 'checkpoint-saved', data: { step: 10 }, created_at: T0 + 20 }], { nowSeconds: T0 + 50, active: true });
  assert.deepEqual(tl.map((e) => e.key), ['QUEUED', 'RUNNING', 'checkpoint-saved']);
  assert.equal(tl[2]!.label, 'checkpoint saved');
  assert.equal(tl[2]!.durationSeconds, 30);
});

test('a failure reason attached to an event becomes a note', () => {
  const tl = buildTimeline([ev('QUEUED', 0), ev('FAILED', 3, { error: 'Out of credits' })]);
  assert.equal(tl[1]!.note, 'Out of credits');
});

test('chart series are ordered by step, aligned, with nulls where a metric is missing', () => {
  const cp = (step: number, train: number | null, valid?: number | null, acc?: number | null) => ({
    metrics: { train_loss: train, valid_loss: valid ?? null, valid_mean_token_accuracy: acc ?? null },
    step_number: step,
    created_at: T0 + step,
  });
  // Newest first, as the service lists them.
  const s = checkpointSeries([cp(30, 0.2, 0.3, 0.91), cp(20, 0.5), cp(10, 1.2, 1.3, 0.6)]);
  assert.deepEqual(s.steps, [10, 20, 30]);
  assert.deepEqual(s.trainLoss, [1.2, 0.5, 0.2]);
  assert.deepEqual(s.validLoss, [1.3, null, 0.3]);
  assert.deepEqual(s.validAccuracy, [0.6, null, 0.91]);
  assert.equal(latestCheckpoint([cp(20, 0.5), cp(30, 0.2)])!.step_number, 30);
});

test('a re-sent checkpoint for the same step replaces the earlier one; no checkpoints give empty series', () => {
  const a = { metrics: { train_loss: 0.5 }, step_number: 10, created_at: T0 + 10 };
  const b = { metrics: { train_loss: 0.5, valid_loss: 0.7 }, step_number: 10, created_at: T0 + 11 };
  const s = checkpointSeries([b, a]);
  assert.deepEqual(s.steps, [10]);
  assert.deepEqual(s.validLoss, [0.7]);
  assert.deepEqual(checkpointSeries(undefined), { steps: [], trainLoss: [], validLoss: [], validAccuracy: [] });
});

test('a job without a validation file plots no validation curve, even when its checkpoints carry zeros', () => {
  const zeros = { metrics: { train_loss: 0.4, valid_loss: 0, valid_mean_token_accuracy: 0 }, step_number: 1, created_at: T0 + 5 };
  const m = jobDetailsModel(wireJob({ status: 'SUCCESS', validation_files: [], checkpoints: [zeros], hyperparameters: { learning_rate: 1e-4, training_steps: 1 } }), { nowMs: T0 * 1000, serverLabel: 'Sandbox', isSandbox: true });
  assert.deepEqual(m.series, { steps: [1], trainLoss: [0.4], validLoss: [null], validAccuracy: [null] });
  assert.equal(m.latest, 'step 1 of 1 · train loss 0.4');
  // With a validation file the same checkpoint's values are measurements and are kept.
  assert.deepEqual(checkpointSeries([zeros], { withValidation: true }).validLoss, [0]);
});
