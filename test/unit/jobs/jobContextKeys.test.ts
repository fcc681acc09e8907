// The palette's job commands are offered only when a job fits them (issue 10, item 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JOB_CONTEXT_KEYS, jobContextKeys } from '../../../src/core/jobs/jobContextKeys';

test('no jobs, or only finished ones without a model: none of the job commands fits', () => {
  assert.deepEqual(Object.values(jobContextKeys([])), [false, false, false]);
  assert.deepEqual(jobContextKeys([{ status: 'FAILED' }, { status: 'CANCELLED', fine_tuned_model: null }]), {
    [JOB_CONTEXT_KEYS.startable]: false, [JOB_CONTEXT_KEYS.cancellable]: false, [JOB_CONTEXT_KEYS.withModel]: false,
  });
});

test('each key follows the job that fits it', () => {
  assert.equal(jobContextKeys([{ status: 'VALIDATED' }])[JOB_CONTEXT_KEYS.startable], true);
  assert.equal(jobContextKeys([{ status: 'RUNNING' }])[JOB_CONTEXT_KEYS.cancellable], true);
  assert.equal(jobContextKeys([{ status: 'SUCCESS', fine_tuned_model: 'ft:x' }])[JOB_CONTEXT_KEYS.withModel], true);
  assert.equal(jobContextKeys([{ status: 'SUCCESS', fine_tuned_model: 'ft:x' }])[JOB_CONTEXT_KEYS.cancellable], false);
});

test('package.json hides each job command from the palette behind its key', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { menus: { commandPalette: { command: string; when: string }[] } } };
  const when = (c: string) => pkg.contributes.menus.commandPalette.find((e) => e.command === c)?.when;
  assert.equal(when('pixtune.startJob'), JOB_CONTEXT_KEYS.startable);
  assert.equal(when('pixtune.cancelJob'), JOB_CONTEXT_KEYS.cancellable);
  assert.equal(when('pixtune.copyModelId'), JOB_CONTEXT_KEYS.withModel);
});

test('the palette\'s job picker names the status as the tree does ("Succeeded", not "SUCCESS")', async () => {
  const { jobPickItem } = await import('../../../src/core/jobs/jobPickItem');
  const { statusLook } = await import('../../../src/core/jobs/jobStatusView');
  const item = jobPickItem({ id: 'j1', model: 'ministral-3b', status: 'SUCCESS', fine_tuned_model: 'ft:ministral-3b:x' });
  assert.deepEqual(item, { label: 'ft:ministral-3b:x', description: 'Succeeded', detail: 'j1', id: 'j1' });
  for (const status of ['QUEUED', 'RUNNING', 'VALIDATED', 'FAILED', 'CANCELLED']) {
    assert.equal(jobPickItem({ id: 'j', model: 'm', status }).description, statusLook(status).label);
    assert.notEqual(jobPickItem({ id: 'j', model: 'm', status }).description, status);
  }
});
