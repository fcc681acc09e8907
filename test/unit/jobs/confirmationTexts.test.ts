// The texts a new user reads around a job: the launch confirmation (minimum charge, minimum step, epochs
// rounded, overfitting warned about), the cancel dialog (buttons that cannot be mistaken for VS Code's own
// "Cancel"), a cancel that came too late, and a recorded job the restarted sandbox no longer has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeValidatedJob, formatEpochs, lengthAdvice, minimumChargeNote } from '../../../src/core/jobs/launchCost';
import { cancelDialog, cancelTooLate, jobEndedNotice } from '../../../src/core/jobs/cancelWording';
import { historyDetailsModel, historyRow } from '../../../src/core/jobs/jobHistory';
import { jobDetailsModel } from '../../../src/core/jobs/jobDetailsModel';
import { hostToWebviewSchema } from '../../../src/webview/messages';
import type { OwnEstimate } from '../../../src/core/jobs/ownEstimate';
import { T0, wireJob } from './fixtures';

const sandbox = { kind: 'sandbox', label: 'Sandbox' };
// 192 examples of about 644 tokens: one 131,072-token step is about two passes.
const estimate: OwnEstimate = { examples: 192, dataTokens: 64_400, epochs: 2, pricePerMillion: 2, cost: 0.26 };
const meta = (steps: number) => ({ cost: Math.max(4, (steps * 131_072 * 2) / 1e6), cost_currency: 'USD', train_tokens: steps * 131_072, train_tokens_per_step: 131_072, data_tokens: 64_400, expected_duration_seconds: 6 });

test('epochs read as a person would: whole numbers from 10 up, one decimal below, two digits under one', () => {
  assert.equal(formatEpochs(203.528), '204');
  assert.equal(formatEpochs(2.0354), '2');
  assert.equal(formatEpochs(2.46), '2.5');
  assert.equal(formatEpochs(0.3456), '0.35');
});

test('the confirmation explains a minimum charge and a minimum step for a one-step job on a small set', () => {
  const job = wireJob({ status: 'VALIDATED', hyperparameters: { learning_rate: 1e-4, training_steps: 1, epochs: 2.0354 }, metadata: meta(1) });
  assert.match(minimumChargeNote(job, estimate) ?? '', /minimum charge per job; the 131,072 training tokens alone come to about 0\.26 USD/);
  const text = describeValidatedJob(job, sandbox, estimate);
  assert.match(text, /^Cost \(sandbox, not billed\): 4\.00 USD — the service's minimum charge per job/m);
  assert.match(text, /^Length: 1 step \(about 2 epochs\)\. A step is the smallest unit the service trains: 131,072 tokens, more than one pass over this data \(64,400 tokens\), so even one step is 2 epochs\.$/m);
  assert.match(text, /^Our estimate from the run's report: 0\.26 USD, 131,080 training tokens \(tokens only, no minimum charge\)\.$/m);
  assert.doesNotMatch(text, /1 steps|Warning/);
  // Without our estimate the note still recognises the documented minimum.
  assert.equal(minimumChargeNote(job, undefined), "the service's minimum charge per job");
  // A cost that follows from the tokens needs no note.
  assert.equal(minimumChargeNote(wireJob({ metadata: meta(40) }), estimate), undefined);
});

test('a length far beyond what a small set needs is warned about, rounded; a usual one is not', () => {
  const long = wireJob({ status: 'VALIDATED', hyperparameters: { learning_rate: 1e-4, training_steps: 60, epochs: 203.528 }, metadata: meta(60) });
  const advice = lengthAdvice(long, estimate);
  assert.equal(advice.length, '60 steps (about 204 epochs)');
  assert.equal(advice.warning, 'Warning: 60 steps make about 204 passes over 192 examples: the model will memorise them (overfit) instead of learning the classes. 1–5 epochs is usual; choose fewer steps or add data.');
  assert.match(describeValidatedJob(long, sandbox, estimate), /\nWarning: 60 steps/);
  const byEpochs = lengthAdvice(wireJob({ hyperparameters: { learning_rate: 1e-4, epochs: 8, training_steps: null } }), estimate);
  assert.equal(byEpochs.warning?.startsWith('Warning: 8 passes (epochs) over 192 examples'), true);
  assert.equal(lengthAdvice(wireJob({ hyperparameters: { learning_rate: 1e-4, epochs: 3, training_steps: 5 } }), estimate).warning, undefined);
  assert.match(lengthAdvice(wireJob({ hyperparameters: { learning_rate: 1e-4, epochs: 64.09, training_steps: 1 } }), estimate).warning ?? '', /^Warning: 1 step makes about 64 passes over 192 examples/);
  // A large set tolerates more passes before the warning.
  assert.equal(lengthAdvice(wireJob({ hyperparameters: { learning_rate: 1e-4, epochs: 8, training_steps: null } }), { ...estimate, examples: 5000 }).warning, undefined);
});

test('the details page rounds epochs and explains the minimum charge too', () => {
  const job = wireJob({ status: 'SUCCESS', hyperparameters: { learning_rate: 1e-4, training_steps: 60, epochs: 203.528 }, metadata: meta(1) });
  const m = jobDetailsModel(job, { nowMs: T0 * 1000, serverLabel: 'Sandbox', isSandbox: true, estimate });
  assert.ok(m.costs.some((c) => c.label === 'Our estimate (204 epochs)'), JSON.stringify(m.costs));
  assert.ok(m.hyperparameters.some((h) => h.label === 'Epochs' && h.value === '204'), JSON.stringify(m.hyperparameters));
  assert.match(m.costs[0]!.value, /^4\.00 USD \(the service's minimum charge per job;/);
});

test('the cancel dialog names the act on its buttons, never "Cancel", and says what happens', () => {
  const running = cancelDialog(wireJob({ status: 'RUNNING', suffix: 'aerial', id: 'ftjob-1234567890' }), 'ftjob-1234567890');
  assert.equal(running.message, 'Stop training pixtral-12b-latest · aerial (job ftjob-12)?');
  assert.deepEqual([running.confirm, running.keep], ['Stop Training', 'Keep Training']);
  assert.match(running.detail, /^It is running\. A stopped job cannot be resumed/);
  const validated = cancelDialog(wireJob({ status: 'VALIDATED', auto_start: false }), 'ftjob-1');
  assert.deepEqual([validated.confirm, validated.keep], ['Discard Job', 'Keep Job']);
  assert.match(validated.detail, /nothing has been trained or billed/);
  for (const d of [running, validated]) assert.ok(!/cancel/i.test(d.confirm + d.keep), 'no button reads like the dialog\'s own Cancel');
});

test('a cancel that arrives after the end says it came too late, in the answer and in the end notice', () => {
  const done = wireJob({ status: 'SUCCESS', fine_tuned_model: 'ft:pixtral-12b-latest:aerial:20261201:abcd1234' });
  assert.equal(cancelTooLate(done), 'The cancel came too late: the job had already finished, and ft:pixtral-12b-latest:aerial:20261201:abcd1234 is ready.');
  assert.equal(cancelTooLate(wireJob({ status: 'CANCELLATION_REQUESTED' })), undefined);
  assert.equal(cancelTooLate(wireJob({ status: 'CANCELLED' })), undefined);
  assert.match(cancelTooLate(wireJob({ status: 'FAILED' })) ?? '', /^The cancel came too late: the job had already ended \(failed\)/);
  assert.equal(jobEndedNotice(done, sandbox, true).message, 'The cancel came too late: the job had already finished, and ft:pixtral-12b-latest:aerial:20261201:abcd1234 is ready (Sandbox).');
  assert.equal(jobEndedNotice(done, sandbox).message, 'Fine-tuning finished (Sandbox): ft:pixtral-12b-latest:aerial:20261201:abcd1234 is ready.');
  assert.equal(jobEndedNotice(wireJob({ status: 'CANCELLED', suffix: 'aerial' }), { kind: 'mistral' }).message, 'Fine-tuning of pixtral-12b-latest · aerial (job ftjob-1) was stopped.');
});

test('a recorded job the restarted sandbox no longer has is history, said plainly, with calm details and no actions', () => {
  const link = { jobId: 'ftjob-old', runDir: '/w/.pixtune/aid/run1', serverUrl: 'http://127.0.0.1:5000', model: 'pixtral-12b-latest', createdAt: T0, lastStatus: 'SUCCESS', fineTunedModel: 'ft:pixtral-12b-latest:x:1', uploadedFiles: [{ path: '/w/.pixtune/aid/run1/train.jsonl', fileId: 'file-1', role: 'training' as const }] };
  const row = historyRow(link, sandbox, (T0 + 600) * 1000);
  assert.equal(row.label, 'ft:pixtral-12b-latest:x:1');
  assert.equal(row.description, 'History · sandbox restarted · last seen succeeded · 10 min ago · aid/run1');
  assert.ok(row.tooltip.some((t) => /local sandbox was restarted/.test(t)));
  const m = historyDetailsModel(link, sandbox);
  assert.match(m.notice ?? '', /^The local sandbox was restarted .* Shown here is what Pixtune recorded in aid\/run1\/job\.json\.$/);
  assert.deepEqual([m.recorded, m.canStart, m.canCancel, m.active, m.failure], [true, false, false, false, undefined]);
  assert.deepEqual(m.files, [{ label: 'Training', value: 'file-1 (train.jsonl)' }]);
  // It travels to the page intact (the schema keeps the notice and the recorded flag).
  const msg = hostToWebviewSchema.parse({ type: 'job', job: m });
  assert.equal(msg.type === 'job' && msg.job.notice, m.notice);
  assert.equal(historyRow(link, { kind: 'mistral', label: 'api.mistral.ai' }, T0 * 1000).description.includes('no longer listed'), true);
});
