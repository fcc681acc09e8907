// Review panel sources kept for restoring after a reload: opening one review keeps the sources of background
// tabs VS Code has not restored yet (it deserializes a hidden panel only when it becomes visible); a closed
// panel's source goes; the oldest beyond the cap go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REMEMBERED_SOURCES, withSource, withoutSource } from '../../../src/extension/evaluation/reviewSources';

const src = (n: number) => ({ kind: 'evaluation', runDir: '/r', file: `/r/predictions/m${n}.jsonl` });

test('opening a review keeps the sources of background tabs not restored yet', () => {
  // After a reload only the visible tab is back; "a" and "b" wait, hidden, for their turn.
  let all = withSource(withSource({}, 'a', src(1)), 'b', src(2));
  all = withSource(all, 'c', src(3));
  assert.deepEqual(Object.keys(all), ['a', 'b', 'c']);
  assert.deepEqual(all.a, src(1));
});

test('a closed panel\'s source is forgotten, the others stay; reopening makes a source the newest', () => {
  let all = withSource(withSource(withSource({}, 'a', src(1)), 'b', src(2)), 'c', src(3));
  all = withoutSource(all, 'b');
  assert.deepEqual(Object.keys(all), ['a', 'c']);
  all = withSource(all, 'a', src(4));
  assert.deepEqual(Object.keys(all), ['c', 'a']);
  assert.deepEqual(all.a, src(4));
});

test('beyond the cap the oldest sources go', () => {
  let all: Record<string, unknown> = {};
  for (let i = 0; i < MAX_REMEMBERED_SOURCES + 5; i++) all = withSource(all, `k${i}`, src(i));
  const keys = Object.keys(all);
  assert.equal(keys.length, MAX_REMEMBERED_SOURCES);
  assert.equal(keys[0], 'k5');
  assert.equal(keys.at(-1), `k${MAX_REMEMBERED_SOURCES + 4}`);
});
