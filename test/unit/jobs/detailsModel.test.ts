import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobDetailsModel } from '../../../src/core/jobs/jobDetailsModel';
import { hostToWebviewSchema, webviewToHostSchema } from '../../../src/webview/messages';
import { T0, wireJob } from './fixtures';

const running = wireJob({
  status: 'RUNNING',
  suffix: 'aerial',
  validation_files: ['file-valid'],
  metadata: { cost: 0.42, cost_currency: 'USD', train_tokens: 210_000, data_tokens: 105_000, expected_duration_seconds: 300 },
  events: [
    { name: 'status-updated', data: { status: 'QUEUED' }, created_at: T0 },
    { name: 'status-updated', data: { status: 'VALIDATED' }, created_at: T0 + 4 },
    { name: 'status-updated', data: { status: 'RUNNING' }, created_at: T0 + 10 },
  ],
  checkpoints: [
    { metrics: { train_loss: 0.31, valid_loss: 0.4, valid_mean_token_accuracy: 0.875 }, step_number: 20, created_at: T0 + 30 },
    { metrics: { train_loss: 1.2, valid_loss: 1.3, valid_mean_token_accuracy: 0.5 }, step_number: 10, created_at: T0 + 20 },
  ],
});

test('the details model carries the timeline, costs next to our estimate, files and the chart series', () => {
  const m = jobDetailsModel(running, {
    nowMs: (T0 + 40) * 1000,
    serverLabel: 'Sandbox',
    isSandbox: true,
    runName: 'aid/run1',
    estimate: { examples: 100, dataTokens: 100_000, epochs: 1, pricePerMillion: 2, cost: 0.2 },
  });
  assert.equal(m.statusLabel, 'Running');
  assert.equal(m.active, true);
  assert.deepEqual(m.timeline.map((t) => [t.label, t.duration]), [['Queued', '4 s'], ['Validated, waiting to start', '6 s'], ['Running', '30 s']]);
  assert.deepEqual(m.costs, [
    { label: 'Cost (sandbox, not billed)', value: '0.42 USD' },
    { label: 'Training tokens (service)', value: '210,000' },
    { label: 'Data tokens (service)', value: '105,000' },
    { label: 'Expected duration', value: '5 min' },
    { label: 'Our estimate (2 epochs)', value: '0.40 USD, 200,000 tokens' },
  ]);
  assert.deepEqual(m.files, [{ label: 'Training', value: 'file-train' }, { label: 'Validation', value: 'file-valid' }]);
  assert.deepEqual(m.series.steps, [10, 20]);
  assert.equal(m.latest, 'step 20 of 69 · train loss 0.31 · validation loss 0.4 · token accuracy 87.5%');
  assert.ok(m.summary.some((r) => r.label === 'Run folder' && r.value === 'aid/run1'));
  assert.deepEqual([m.canStart, m.canCancel, m.hasModel], [false, true, false]);
});

test('server strings stay plain data: a hostile suffix goes through the schema unchanged (the page sets it as text)', () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const m = jobDetailsModel(wireJob({ suffix: hostile, status: 'FAILED', events: [{ name: 'status-updated', data: { status: 'FAILED', error: hostile }, created_at: T0 }] }), {
    nowMs: T0 * 1000,
    serverLabel: 'Mistral',
    isSandbox: false,
  });
  assert.equal(m.failure, hostile);
  const msg = hostToWebviewSchema.parse({ type: 'job', job: m });
  assert.equal(msg.type === 'job' && msg.job.title, `pixtral-12b-latest · ${hostile}`);
});

test('messages are validated both ways: unknown actions and malformed jobs are refused', () => {
  assert.equal(webviewToHostSchema.safeParse({ type: 'ready' }).success, true);
  assert.equal(webviewToHostSchema.safeParse({ type: 'action', action: 'start' }).success, true);
  assert.equal(webviewToHostSchema.safeParse({ type: 'action', action: 'deleteEverything' }).success, false);
  assert.equal(webviewToHostSchema.safeParse({ type: 'openFile', path: '/etc/passwd' }).success, false);
  const m = jobDetailsModel(running, { nowMs: T0 * 1000, serverLabel: 'Mistral', isSandbox: false });
  assert.equal(hostToWebviewSchema.safeParse({ type: 'job', job: { ...m, series: { steps: 'x' } } }).success, false);
});
