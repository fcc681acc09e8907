import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { hashImage } from '../../../src/core/images/encodeTile';
import { hammingDistance } from '../../../src/core/images/perceptualHash';
import { duplicatesToDrop, findDuplicateGroups, type HashedImage } from '../../../src/core/training/findDuplicates';
import { planPreparation } from '../../../src/core/training/planPreparation';
import { mulberry32 } from '../../../src/core/training/seededRandom';
import { makeDataset, texturedJpeg } from './trainingFixtures';

test('near-duplicates: re-encoded at another quality or slightly resized stay within a few bits; other images do not', async () => {
  const original = await texturedJpeg(300, 300, 11, 92);
  const requality = await sharp(original).jpeg({ quality: 40 }).toBuffer();
  const resized = await sharp(original).resize(285, 285).jpeg({ quality: 85 }).toBuffer();
  const h = async (b: Buffer) => (await hashImage(b)).pHash;
  const [ho, hq, hr] = [await h(original), await h(requality), await h(resized)];
  assert.ok(hammingDistance(ho, hq) <= 4, `quality: ${hammingDistance(ho, hq)}`);
  assert.ok(hammingDistance(ho, hr) <= 4, `resize: ${hammingDistance(ho, hr)}`);
  for (let seed = 100; seed < 120; seed++) {
    const d = hammingDistance(ho, await h(await texturedJpeg(300, 300, seed)));
    assert.ok(d > 8, `unrelated image ${seed} at distance ${d}`);
  }
});

test('groups: exact by SHA-256, near by Hamming distance, transitive', () => {
  const im = (index: number, sha256: string, pHash: string, cls = 'a'): HashedImage => ({ index, class: cls, sha256, pHash });
  const groups = findDuplicateGroups(
    [
      im(0, 'x', '0000000000000000'),
      im(1, 'x', '0000000000000000'), // exact copy of 0
      im(2, 'y', 'ffffffffffffffff'),
      im(3, 'z', 'fffffffffffffff0'), // 4 bits from 2
      im(4, 'w', 'ffffffffffffff00'), // 4 bits from 3, 8 from 2: joins through 3
      im(5, 'v', '0f0f0f0f0f0f0f0f'),
    ],
    4,
  );
  assert.deepEqual(groups, [
    { members: [0, 1], kind: 'exact', maxDistance: 0 },
    { members: [2, 3, 4], kind: 'near', maxDistance: 4 },
  ]);
  assert.deepEqual(findDuplicateGroups([im(0, 'x', 'ffffffffffffffff'), im(1, 'y', 'fffffffffffffff0')], 0), []);
});

test('dropDuplicates keeps the first of a group, and drops every member when labels disagree', () => {
  const groups = [
    { members: [1, 4], kind: 'exact' as const, maxDistance: 0 },
    { members: [2, 7], kind: 'near' as const, maxDistance: 2 },
  ];
  const classOf = (i: number) => (i === 7 ? 'b' : 'a');
  assert.deepEqual([...duplicatesToDrop(groups, classOf)].sort(), [2, 4, 7]);
});

test('plan reports duplicates across splits and labels, and dropDuplicates removes them', async () => {
  const ds = await makeDataset(['field', 'lake'], 10, 96, 3);
  // A copy of field_000 re-encoded inside "lake": same picture, another label.
  const src = join(ds.root, 'field/field_000.jpg');
  await writeFile(join(ds.root, 'lake/copy_of_field.jpg'), await sharp(src).jpeg({ quality: 60 }).toBuffer());
  ds.classes[1]!.images.push({ path: 'lake/copy_of_field.jpg' });
  // And an exact copy inside "field" itself.
  await copyFile(src, join(ds.root, 'field/field_000_again.jpg'));
  ds.classes[0]!.images.push({ path: 'field/field_000_again.jpg' });

  const plan = await planPreparation(ds, {});
  assert.equal(plan.duplicates.length, 1);
  const g = plan.duplicates[0]!;
  assert.deepEqual(g.members.map((m) => plan.images[m]!.path).sort(), ['field/field_000.jpg', 'field/field_000_again.jpg', 'lake/copy_of_field.jpg']);
  assert.equal(g.kind, 'near');
  assert.equal(g.crossClass, true);
  assert.ok(plan.warnings.some((w) => /carries different labels/.test(w)));

  const dropped = await planPreparation(ds, { dropDuplicates: true });
  for (const m of g.members) assert.equal(dropped.images[m]!.split, 'dropped');
  const used = new Set(Object.values(dropped.splits).flat());
  for (const m of g.members) assert.equal(used.has(m), false);
  assert.equal(used.size, 20 - 1);
  // The report says what was done, not only what was found.
  assert.ok(dropped.warnings.includes('1 group of duplicate images carries different labels: all their images were dropped'), dropped.warnings.join(' | '));
  assert.ok(dropped.warnings.includes('3 duplicate images were dropped before splitting (dropDuplicates)'), dropped.warnings.join(' | '));
  assert.ok(!plan.warnings.some((w) => /dropped/.test(w)), plan.warnings.join(' | '));
});

const hex = (bits: bigint) => bits.toString(16).padStart(16, '0');

test('near pairs that agree on only one band are all found (a broken band index misses some)', () => {
  // Pigeonhole: hashes t bits apart agree exactly on at least one of the t + 1 bands. Flip one bit in
  // every band but one: each pair agrees on that single band only, for every band and every t.
  const rnd = mulberry32(11); // seeded: the same fixtures in every run
  for (let t = 1; t <= 12; t++) {
    const n = t + 1;
    const images: HashedImage[] = [];
    for (let keep = 0; keep < n; keep++) {
      const base = BigInt.asUintN(64, (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)));
      let other = base;
      for (let b = 0; b < n; b++) {
        if (b === keep) continue;
        const start = Math.floor((b * 64) / n);
        const end = Math.floor(((b + 1) * 64) / n);
        const bit = start + Math.floor(rnd() * (end - start)); // a bit inside band b, counted from the top
        other ^= 1n << BigInt(63 - bit);
      }
      images.push({ index: images.length, class: 'a', sha256: `s${images.length}`, pHash: hex(base) });
      images.push({ index: images.length, class: 'a', sha256: `s${images.length}`, pHash: hex(other) });
    }
    const groups = findDuplicateGroups(images, t);
    for (let keep = 0; keep < n; keep++) {
      assert.ok(groups.some((g) => g.members.includes(2 * keep) && g.members.includes(2 * keep + 1)), `t=${t}: the pair agreeing only on band ${keep} was missed`);
    }
  }
});

test('the band index finds exactly what comparing every pair finds', () => {
  const rnd = mulberry32(5);
  const rand64 = () => BigInt.asUintN(64, (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)));
  for (const t of [2, 4, 6, 9]) {
    const images: HashedImage[] = [];
    for (let i = 0; i < 120; i++) {
      // Half planted near copies of an earlier hash (1..t+1 random bits flipped), half unrelated.
      const earlier = images.length && rnd() < 0.5 ? BigInt('0x' + images[Math.floor(rnd() * images.length)]!.pHash) : undefined;
      let h = earlier ?? rand64();
      if (earlier !== undefined) for (let f = 1 + Math.floor(rnd() * (t + 1)); f > 0; f--) h ^= 1n << BigInt(Math.floor(rnd() * 64));
      images.push({ index: i, class: 'a', sha256: `s${i}`, pHash: hex(h) });
    }
    // Brute force: the connected components of "distance ≤ t".
    const parent = images.map((_, i) => i);
    const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++) {
        let x = BigInt('0x' + images[i]!.pHash) ^ BigInt('0x' + images[j]!.pHash);
        let d = 0;
        for (; x; x &= x - 1n) d++;
        if (d <= t) parent[Math.max(find(i), find(j))] = Math.min(find(i), find(j));
      }
    }
    const expected = new Map<number, number[]>();
    images.forEach((_, i) => expected.set(find(i), [...(expected.get(find(i)) ?? []), i]));
    const want = [...expected.values()].filter((m) => m.length > 1).map((m) => m.join(',')).sort();
    const got = findDuplicateGroups(images, t).map((g) => g.members.join(',')).sort();
    assert.ok(want.length > 5, 'the fixture plants near pairs');
    assert.deepEqual(got, want, `t=${t}`);
  }
});
