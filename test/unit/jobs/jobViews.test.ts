import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusLook, canCancel, canStart } from '../../../src/core/jobs/jobStatusView';
import { jobRowModel } from '../../../src/core/jobs/jobRowModel';
import { formatAge, formatCost, formatLoss } from '../../../src/core/jobs/formatJob';
import { T0, wireJob } from './fixtures';

test('every known status has a codicon and a theme colour; only moving statuses are active', () => {
  for (const s of ['QUEUED', 'STARTED', 'VALIDATING', 'RUNNING', 'CANCELLATION_REQUESTED']) assert.equal(statusLook(s).active, true, s);
  for (const s of ['SUCCESS', 'FAILED', 'FAILED_VALIDATION', 'CANCELLED']) assert.equal(statusLook(s).active, false, s);
  // A validated job waits for the user: not active (no fast polling), but startable.
  assert.deepEqual([statusLook('VALIDATED').active, statusLook('VALIDATED').awaitingStart, canStart('VALIDATED')], [false, true, true]);
  assert.equal(statusLook('SUCCESS').icon, 'pass-filled');
  assert.equal(statusLook('FAILED').color, 'testing.iconFailed');
  assert.equal(statusLook('RUNNING').icon, 'sync~spin');
});

test('an unknown status (the enum is open) gets a neutral look instead of failing', () => {
  const look = statusLook('PAUSED_FOR_REVIEW');
  assert.equal(look.icon, 'question');
  assert.equal(look.label, 'Paused for review');
  assert.equal(look.active, true);
});

test('cancel applies to jobs that have not ended and are not already being cancelled', () => {
  assert.equal(canCancel('RUNNING'), true);
  assert.equal(canCancel('VALIDATED'), true);
  assert.equal(canCancel('SUCCESS'), false);
  assert.equal(canCancel('CANCELLATION_REQUESTED'), false);
  assert.equal(canStart('RUNNING'), false);
});

test('a running job row shows status, age, latest step of total, and latest train loss', () => {
  const job = wireJob({
    status: 'RUNNING',
    suffix: 'aerial',
    checkpoints: [
      { metrics: { train_loss: 0.1234567, valid_loss: null, valid_mean_token_accuracy: null }, step_number: 40, created_at: T0 + 40 },
      { metrics: { train_loss: 1.5, valid_loss: null, valid_mean_token_accuracy: null }, step_number: 10, created_at: T0 + 10 },
    ],
  });
  const row = jobRowModel(job, (T0 + 300) * 1000, { runName: 'aid/run1' });
  assert.equal(row.label, 'pixtral-12b-latest · aerial');
  assert.equal(row.description, 'Running · 5 min ago · step 40/69 · loss 0.123 · aid/run1');
  assert.equal(row.contextValue, 'job.cancellable');
  assert.deepEqual(row.progress, { step: 40, totalSteps: 69, trainLoss: 0.1234567 });
});

test('a finished job is labelled with its fine-tuned model and offers Copy Model ID, not Cancel', () => {
  const job = wireJob({ status: 'SUCCESS', fine_tuned_model: 'ft:pixtral-12b-latest:abc:20261129:1234', metadata: { cost: 17.88, cost_currency: 'USD' } });
  const row = jobRowModel(job, (T0 + 3 * 86400) * 1000);
  assert.equal(row.label, 'ft:pixtral-12b-latest:abc:20261129:1234');
  assert.equal(row.contextValue, 'job.hasModel');
  assert.match(row.description, /^Succeeded · 3 days ago$/);
  assert.ok(row.tooltip.includes('Cost: 17.88 USD'));
});

test('a failed job row carries the reason from its events in the tooltip', () => {
  const job = wireJob({ status: 'FAILED_VALIDATION', events: [{ name: 'status-updated', data: { status: 'FAILED_VALIDATION', error: 'line 3: last message must be the assistant' }, created_at: T0 + 5 }] });
  const row = jobRowModel(job, (T0 + 10) * 1000);
  assert.ok(row.tooltip.some((l) => l === 'Error: line 3: last message must be the assistant'));
});

test('ages, costs and losses read naturally', () => {
  assert.equal(formatAge(T0, (T0 + 10) * 1000), 'just now');
  assert.equal(formatAge(T0, (T0 + 7200) * 1000), '2 h ago');
  assert.equal(formatAge(T0, (T0 + 86400) * 1000), '1 day ago');
  assert.equal(formatCost(17.88, 'USD'), '17.88 USD');
  assert.equal(formatCost(0.004, null), '0.004 USD');
  assert.equal(formatLoss(2.30258), '2.3');
  assert.equal(formatLoss(0.0091234), '0.00912');
});
