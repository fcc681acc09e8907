// A backend that cannot be made (the Ray client refuses to send its token over plain http to another machine)
// is recorded in the watcher, where the Fine-tuning Jobs view shows it on the Ray group, instead of an
// unhandled rejection; connecting again clears it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorMessage } from '../../../src/core/errors';
import { TrainingJobsWatcher } from '../../../src/core/jobs/backends/trainingJobsWatcher';
import { RayJobsClient } from '../../../src/core/jobs/backends/ray/rayJobsClient';

test('a Ray backend that cannot be made is recorded as the Ray group\'s error, not thrown', () => {
  const warnings: string[] = [];
  const watcher = new TrainingJobsWatcher({ log: { warn: (m) => warnings.push(m) } });
  let changes = 0;
  const off = watcher.onDidChange(() => changes++);
  try {
    let failure: unknown;
    try {
      new RayJobsClient({ address: 'http://10.1.2.3:8265', token: 'secret-token' });
    } catch (err) {
      failure = err;
    }
    assert.ok(failure, 'a token over plain http to another machine is refused');
    watcher.setBackendError('ray', errorMessage(failure));
    assert.match(watcher.error('ray') ?? '', /https|tunnel|http/i);
    assert.doesNotMatch(watcher.error('ray') ?? '', /secret-token/);
    assert.equal(watcher.backend('ray'), undefined);
    assert.ok(changes > 0, 'the view is told');
    watcher.setBackend('ray', undefined);
    assert.equal(watcher.error('ray'), undefined, 'connecting again clears it');
  } finally {
    off();
    watcher.dispose();
  }
});
