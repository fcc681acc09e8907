import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeImageProgress } from '../../../src/core/progressText';

test('progress text: count, rate and time left, no ETA once done', () => {
  assert.equal(describeImageProgress({ done: 120, total: 1000, rate: 310.4, etaSeconds: 2.2, phase: 'encoding' }), 'encoding: 120/1,000 images · 310/s · 3 s left');
  assert.equal(describeImageProgress({ done: 1000, total: 1000, rate: 300, etaSeconds: 0 }), '1,000/1,000 images · 300/s');
  assert.equal(describeImageProgress({ done: 0, total: 5 }), '0/5 images');
});
