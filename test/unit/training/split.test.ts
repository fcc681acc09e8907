import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitStratified, type SplitInput } from '../../../src/core/training/splitStratified';

function items(spec: Record<string, number>): SplitInput<string>[] {
  return Object.entries(spec).flatMap(([c, n]) => Array.from({ length: n }, (_, i) => ({ id: `${c}/${i}`, class: c })));
}

const ids = (xs: SplitInput<string>[]) => xs.map((x) => x.id);

test('every class is in every split, in proportion (0.8 / 0 / 0.2)', () => {
  const r = splitStratified(items({ a: 100, b: 50, c: 10 }));
  assert.deepEqual(
    r.perClass.map((c) => [c.class, c.train, c.validation, c.test]),
    [
      ['a', 80, 0, 20],
      ['b', 40, 0, 10],
      ['c', 8, 0, 2],
    ],
  );
  assert.equal(r.train.length, 128);
  assert.equal(r.test.length, 32);
  assert.deepEqual(r.warnings, []);
});

test('no image is lost or duplicated, and uneven fractions round to exact totals', () => {
  const all = items({ a: 17, b: 23, c: 5 });
  const r = splitStratified(all, { train: 0.7, validation: 0.15, test: 0.15 });
  const seen = [...ids(r.train), ...ids(r.validation), ...ids(r.test)].sort();
  assert.deepEqual(seen, ids(all).sort());
  for (const c of r.perClass) {
    assert.equal(c.train + c.validation + c.test, c.total);
    assert.ok(c.validation >= 1 && c.test >= 1, `${c.class} is in every split`);
  }
});

test('the same seed gives the same split; another seed a different one', () => {
  const all = items({ a: 40, b: 40 });
  assert.deepEqual(splitStratified(all, { seed: 7 }), splitStratified(all, { seed: 7 }));
  assert.notDeepEqual(ids(splitStratified(all, { seed: 7 }).test), ids(splitStratified(all, { seed: 8 }).test));
});

test('adding a class does not reshuffle the other classes', () => {
  const before = splitStratified(items({ a: 30, b: 30 }));
  const after = splitStratified(items({ a: 30, b: 30, zz: 12 }));
  const testOf = (r: typeof before, c: string) => ids(r.test).filter((id) => id.startsWith(c + '/')).sort();
  assert.deepEqual(testOf(after, 'a'), testOf(before, 'a'));
  assert.deepEqual(testOf(after, 'b'), testOf(before, 'b'));
});

test('tiny classes are reported, not dropped', () => {
  const r = splitStratified(items({ big: 20, single: 1, pair: 2 }));
  const single = r.perClass.find((c) => c.class === 'single')!;
  assert.equal(single.train + single.test, 1, 'the lone image is still used');
  const pair = r.perClass.find((c) => c.class === 'pair')!;
  assert.deepEqual([pair.train, pair.test], [1, 1]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!.message, /"single" has only 1 image: none in test/);
});

test('fixed counts per class: test first, then validation, train gets the rest; shortfalls are reported', () => {
  const r = splitStratified(items({ a: 10, b: 3 }), { counts: { validation: 1, test: 2 } });
  assert.deepEqual(
    r.perClass.map((c) => [c.class, c.train, c.validation, c.test]),
    [
      ['a', 7, 1, 2],
      ['b', 0, 1, 2],
    ],
  );
  const capped = splitStratified(items({ a: 10, b: 3 }), { counts: { train: 5, test: 2 } });
  assert.deepEqual(capped.perClass.map((c) => [c.train, c.test]), [[5, 2], [1, 2]]);
  assert.ok(capped.warnings.some((w) => /"b" has 3 images, fewer than the 5 train asked for/.test(w.message)));
  assert.ok(capped.warnings.some((w) => /"a": 3 image\(s\) left out/.test(w.message)));
});

test('fractions that do not add up to 1 are refused', () => {
  assert.throws(() => splitStratified(items({ a: 3 }), { train: 0.5, test: 0.2 }), /add up to 1/);
});

test('splits interleave classes rather than listing one class after another', () => {
  const r = splitStratified(items({ a: 50, b: 50 }));
  const firstHalf = r.train.slice(0, 40).map((x) => x.class);
  assert.ok(firstHalf.includes('a') && firstHalf.includes('b'));
});

test('classes of the same size are shuffled independently (the seed is mixed with the class name)', () => {
  // Images often pair up across classes by file number (scene_001 in every class); the same permutation
  // for every class would put the same numbers in every class's test split.
  const r = splitStratified(items({ a: 40, b: 40, c: 40 }), { seed: 7 });
  const testNumbers = (c: string) => r.test.filter((x) => x.class === c).map((x) => x.id.split('/')[1]).sort().join(',');
  assert.notEqual(testNumbers('a'), testNumbers('b'));
  assert.notEqual(testNumbers('b'), testNumbers('c'));
});

test('the remainder goes to the split with the largest fractional part, not simply to train', () => {
  // 10 images at 0.6 / 0.15 / 0.25: exact 6 / 1.5 / 2.5; one image left, validation and test tie at .5,
  // validation is listed first.
  const r = splitStratified(items({ a: 10 }), { train: 0.6, validation: 0.15, test: 0.25 });
  assert.deepEqual(r.perClass.map((c) => [c.train, c.validation, c.test]), [[6, 2, 2]]);
});
