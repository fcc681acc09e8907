// Exact duplicates (same SHA-256 of the source bytes) and near-duplicates (perceptual hashes
// within a Hamming distance) grouped with union–find. Near pairs are found through a band index
// (pigeonhole: two 64-bit hashes within t bits agree exactly on one of t + 1 bands), so the cost
// grows with the number of candidate pairs, not with n².
import { hammingDistance, hashBands, type PHash } from '../images/perceptualHash';

export interface HashedImage {
  index: number;
  class: string;
  sha256: string;
  pHash: PHash;
}

export interface DuplicateGroup {
  /** Image indices, ascending. */
  members: number[];
  /** 'exact' when every member has the same bytes. */
  kind: 'exact' | 'near';
  /** Largest perceptual-hash distance between linked members (0 for exact groups). */
  maxDistance: number;
}

export function findDuplicateGroups(images: readonly HashedImage[], threshold: number): DuplicateGroup[] {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r)! !== r) r = parent.get(r)!;
    while (parent.get(x)! !== r) {
      const up = parent.get(x)!;
      parent.set(x, r);
      x = up;
    }
    return r;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  };
  for (const im of images) parent.set(im.index, im.index);
  const distance = new Map<number, number>();
  const link = (a: HashedImage, b: HashedImage, d: number) => {
    union(a.index, b.index);
    for (const i of [a.index, b.index]) distance.set(i, Math.max(distance.get(i) ?? 0, d));
  };
  const bySha = new Map<string, HashedImage>();
  for (const im of images) {
    const first = bySha.get(im.sha256);
    if (first) link(first, im, 0);
    else bySha.set(im.sha256, im);
  }
  if (threshold > 0) {
    const buckets = new Map<string, HashedImage[]>();
    for (const im of bySha.values()) {
      for (const band of hashBands(im.pHash, threshold)) {
        let b = buckets.get(band);
        if (!b) buckets.set(band, (b = []));
        b.push(im);
      }
    }
    const seen = new Set<string>();
    for (const bucket of buckets.values()) {
      if (bucket.length < 2) continue;
      // A bucket with thousands of members means a degenerate hash (flat images): linking them all
      // would be quadratic and meaningless, so only exact matches count there.
      const exactOnly = bucket.length > 200;
      for (let i = 0; i < bucket.length; i++) {
        for (let j = i + 1; j < bucket.length; j++) {
          const a = bucket[i]!;
          const b = bucket[j]!;
          if (exactOnly && a.pHash !== b.pHash) continue;
          const key = `${a.index}:${b.index}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const d = hammingDistance(a.pHash, b.pHash);
          if (d <= threshold) link(a, b, d);
        }
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (const im of images) {
    const r = find(im.index);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(im.index);
  }
  const shaOf = new Map(images.map((im) => [im.index, im.sha256]));
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .map((members) => {
      members.sort((a, b) => a - b);
      const exact = members.every((m) => shaOf.get(m) === shaOf.get(members[0]!));
      return { members, kind: exact ? ('exact' as const) : ('near' as const), maxDistance: exact ? 0 : Math.max(...members.map((m) => distance.get(m) ?? 0)) };
    })
    .sort((a, b) => a.members[0]! - b.members[0]!);
}

/**
 * Which images `dropDuplicates` removes: in each group the first image (dataset order) stays;
 * when a group carries two different labels all its images go, since we cannot tell which label is right.
 */
export function duplicatesToDrop(groups: readonly DuplicateGroup[], classOf: (index: number) => string): Set<number> {
  const drop = new Set<number>();
  for (const g of groups) {
    const labels = new Set(g.members.map(classOf));
    for (const m of labels.size > 1 ? g.members : g.members.slice(1)) drop.add(m);
  }
  return drop;
}
