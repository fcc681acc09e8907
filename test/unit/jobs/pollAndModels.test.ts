import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLL, PollSchedule, jobFingerprint } from '../../../src/core/jobs/pollSchedule';
import { baseModelChoices } from '../../../src/core/jobs/baseModelChoice';
import { checkServerUrl, isLoopbackUrl, normalizeServerUrl, serverKind, serverLabel } from '../../../src/core/jobs/serverKind';

const opts = { activeMs: 1000, idleMs: 10_000, maxMs: 8000, factor: 2 };

test('polling is fast after a change and backs off while nothing changes, up to a ceiling', () => {
  const p = new PollSchedule({ ...opts, maxMs: 60_000 });
  const seen = [p.next({ changed: true, anyActive: true, visible: false })];
  for (let i = 0; i < 4; i++) seen.push(p.next({ changed: false, anyActive: true, visible: false }));
  assert.deepEqual(seen, [1000, 2000, 4000, 8000, 16000]);
  assert.equal(p.next({ changed: true, anyActive: true, visible: false }), 1000, 'a change resets the backoff');
  const capped = new PollSchedule(opts);
  for (let i = 0; i < 10; i++) capped.next({ changed: false, anyActive: true, visible: true });
  assert.equal(capped.next({ changed: false, anyActive: true, visible: true }), 8000);
});

test('polling stops when the view is hidden and no job is active, and when told to stop', () => {
  const p = new PollSchedule(opts);
  assert.equal(p.next({ changed: true, anyActive: false, visible: false }), undefined);
  assert.equal(p.next({ changed: true, anyActive: false, visible: true }), 8000, 'idle but visible: slow (capped) refresh');
  assert.equal(p.next({ changed: false, anyActive: true, visible: true, stopped: true }), undefined);
});

test('a failed poll backs off like "no change", never faster', () => {
  const p = new PollSchedule({ ...opts, maxMs: 60_000 });
  p.next({ changed: true, anyActive: true, visible: true });
  assert.equal(p.next({ changed: true, failed: true, anyActive: true, visible: true }), 2000);
  assert.equal(p.next({ changed: true, failed: true, anyActive: true, visible: true }), 4000);
});

test('while a job is active the backoff stops at activeMaxMs; errors and idle lists still back off to maxMs', () => {
  const p = new PollSchedule({ ...opts, maxMs: 60_000, activeMaxMs: 3000 });
  const seen = [p.next({ changed: true, anyActive: true, visible: true })];
  for (let i = 0; i < 4; i++) seen.push(p.next({ changed: false, anyActive: true, visible: true }));
  assert.deepEqual(seen, [1000, 2000, 3000, 3000, 3000]);
  for (let i = 0; i < 6; i++) p.next({ changed: false, failed: true, anyActive: true, visible: true });
  assert.ok(p.next({ changed: false, failed: true, anyActive: true, visible: true })! > 3000, 'a failing server is not hammered');
  assert.ok(DEFAULT_POLL.activeMaxMs! <= 10_000 && DEFAULT_POLL.activeMs <= 2000, 'a user sees a started job move within seconds');
});

test('a job fingerprint changes with status, modification time and new checkpoints', () => {
  const base = { id: 'j', status: 'RUNNING', modified_at: 1, checkpoints: [1] };
  assert.notEqual(jobFingerprint(base), jobFingerprint({ ...base, status: 'SUCCESS' }));
  assert.notEqual(jobFingerprint(base), jobFingerprint({ ...base, checkpoints: [1, 2] }));
  assert.equal(jobFingerprint(base), jobFingerprint({ ...base }));
});

test('base models: fine-tunable vision models first, fine-tuned/archived/deprecated left out, aliases once', () => {
  const cards = [
    { id: 'mistral-large-latest', capabilities: { fineTuning: false, vision: false } },
    { id: 'mistral-small-latest', aliases: ['mistral-small-2506'], capabilities: { fineTuning: false, vision: true } },
    { id: 'mistral-small-2506', capabilities: { fineTuning: false, vision: true } },
    { id: 'pixtral-12b-latest', name: 'Pixtral 12B', capabilities: { fineTuning: true, vision: true } },
    { id: 'ft:pixtral-12b-latest:x:1', type: 'fine-tuned', capabilities: { fineTuning: true, vision: true } },
    { id: 'old-vision', deprecation: '2020-01-01T00:00:00Z', capabilities: { fineTuning: true, vision: true } },
    { id: 'open-mistral-7b', capabilities: { fine_tuning: true, vision: false } },
    { id: 'archived', archived: true, capabilities: { vision: true } },
  ];
  const out = baseModelChoices(cards, Date.parse('2026-11-29T00:00:00Z'));
  assert.deepEqual(out.map((m) => m.id), ['pixtral-12b-latest', 'mistral-small-latest', 'open-mistral-7b', 'mistral-large-latest']);
  assert.equal(out[0]!.detail, 'fine-tunable · vision');
});

test('server URLs: loopback detection, normalisation, labels, and no credentials in the URL', () => {
  assert.equal(isLoopbackUrl('http://127.0.0.1:4000'), true);
  assert.equal(isLoopbackUrl('http://localhost:4000/'), true);
  assert.equal(isLoopbackUrl('http://[::1]:4000'), true);
  assert.equal(isLoopbackUrl('https://api.mistral.ai'), false);
  assert.equal(normalizeServerUrl(' https://api.mistral.ai/ '), 'https://api.mistral.ai');
  assert.equal(normalizeServerUrl(''), 'https://api.mistral.ai');
  assert.equal(serverLabel('https://api.mistral.ai', serverKind('https://api.mistral.ai', false)), 'Mistral');
  assert.equal(serverLabel('http://127.0.0.1:4000', serverKind('http://127.0.0.1:4000', true)), 'Sandbox');
  assert.equal(serverLabel('https://proxy.example:8443', serverKind('https://proxy.example:8443', false)), 'proxy.example:8443');
  assert.match(checkServerUrl('https://user:secret@proxy.example') ?? '', /not in the server URL/);
  assert.match(checkServerUrl('ftp://x') ?? '', /http/);
  assert.equal(checkServerUrl('https://api.mistral.ai'), undefined);
  // The key is never sent unencrypted to another machine; plain http to this one (the sandbox) is fine.
  assert.match(checkServerUrl('http://gpu-box.example:8000') ?? '', /unencrypted/);
  assert.equal(checkServerUrl('http://127.0.0.1:4000'), undefined);
});
