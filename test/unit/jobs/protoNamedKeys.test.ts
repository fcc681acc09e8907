// Server strings used as keys: a status, hyperparameter or event called "constructor", "__proto__" or
// "toString" made the details panel throw (Object.prototype's functions were found in lookup tables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobDetailsModel } from '../../../src/core/jobs/jobDetailsModel';
import { statusLook } from '../../../src/core/jobs/jobStatusView';
import { buildTimeline } from '../../../src/core/jobs/jobTimeline';
import { fineTuningJobSchema } from '../../../src/core/mistral/wireSchemas';
import { hostToWebviewSchema } from '../../../src/webview/messages';
import { T0, wireJob } from './fixtures';

const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

test('statusLook gives every proto-named status a plain look', () => {
  for (const s of PROTO_NAMES) {
    const look = statusLook(s);
    assert.equal(typeof look.icon, 'string', s);
    assert.equal(typeof look.label, 'string', s);
    assert.equal(look.icon, 'question');
  }
});

test('a job whose status, hyperparameters and events are proto-named draws: every label and value is a string', () => {
  // Through JSON and the wire schema, as a server's answer arrives.
  const wire = JSON.stringify({
    ...wireJob({ status: 'toString' }),
    hyperparameters: { training_steps: 10, constructor: 3, toString: 1, valueOf: 2 },
    events: [
      { name: 'status-updated', data: { status: 'constructor' }, created_at: T0 },
      { name: '__proto__', data: { message: 'odd' }, created_at: T0 + 1 },
      { name: 'status-updated', data: { status: 'hasOwnProperty' }, created_at: T0 + 2 },
    ],
  });
  const job = fineTuningJobSchema.parse(JSON.parse(wire));
  const model = jobDetailsModel(job, { nowMs: (T0 + 5) * 1000, serverLabel: 'Sandbox', isSandbox: true });
  for (const row of [...model.summary, ...model.hyperparameters, ...model.files, ...model.costs]) {
    assert.equal(typeof row.label, 'string', JSON.stringify(row));
    assert.equal(typeof row.value, 'string', JSON.stringify(row));
  }
  assert.deepEqual(model.hyperparameters.map((h) => h.label).sort(), ['Training steps', 'constructor', 'toString', 'valueOf']);
  assert.deepEqual(model.timeline.map((t) => t.label), ['Constructor', '  proto  ', 'Hasownproperty']);
  assert.equal(model.statusLabel, 'Tostring');
  // And it crosses to the webview as a valid message.
  assert.ok(hostToWebviewSchema.safeParse({ type: 'job', job: model }).success);
});

test('buildTimeline keeps proto-named event names as labels', () => {
  const t = buildTimeline([{ name: 'constructor', data: {}, created_at: T0 }]);
  assert.equal(t[0]!.label, 'constructor');
  assert.equal(t[0]!.icon, 'circle-small');
});

test('the sandbox answers a chat for a model called "constructor" as an unknown model, not a retired one', async () => {
  const { startSandbox } = await import('../../../src/core/sandbox/server');
  const s = await startSandbox({ port: 0 });
  try {
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'constructor', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.notEqual(res.status, 410, await res.text());
    assert.ok(res.status >= 400 && res.status < 500);
  } finally {
    await s.close();
  }
});

test('evaluation metrics keep a class named "__proto__" (or "constructor") in the report', async () => {
  const { computeReport } = await import('../../../src/core/evaluation/metrics');
  const rec = (id: string, truth: string, predicted: string) => ({ custom_id: id, path: `p/${id}.jpg`, truth, predicted, valid: true, raw: predicted });
  const r = computeReport([rec('0', '__proto__', '__proto__'), rec('1', 'constructor', 'constructor'), rec('2', 'b', 'constructor')], ['__proto__', 'constructor', 'b']);
  assert.deepEqual(Object.keys(r.perClass), ['__proto__', 'constructor', 'b']);
  assert.equal(r.perClass['__proto__']!.f1, 1);
  assert.equal(JSON.parse(JSON.stringify(r)).perClass.__proto__.support, 1, 'and it survives JSON');
});

test('comparing evaluations keeps a class named "__proto__" among the deltas', async () => {
  const { compareEvaluations } = await import('../../../src/core/evaluation/compare');
  const rec = (id: string, truth: string, predicted: string) => ({ custom_id: id, path: `p/${id}.jpg`, truth, predicted, valid: true, raw: predicted });
  const a = [rec('0', '__proto__', 'b'), rec('1', 'b', 'b')];
  const b = [rec('0', '__proto__', '__proto__'), rec('1', 'b', 'b')];
  const c = compareEvaluations(a, b, ['__proto__', 'b']);
  assert.deepEqual(Object.keys(c.deltas.perClass), ['__proto__', 'b']);
  assert.equal(c.deltas.perClass['__proto__']!.recall, 1);
});
