// Stratified, seeded train/validation/test split. Each class is shuffled with its own PRNG stream
// (seed mixed with the class name), so adding or removing a class does not reshuffle the others,
// and every class lands in every split in proportion. Classes too small to fill every split are
// reported, never silently dropped: their few images go where the fractions point most (usually train).
import { z } from 'zod';
import { hashString, mulberry32, shuffleInPlace } from './seededRandom';

export const SPLITS = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export const splitOptionsSchema = z
  .object({
    /** Fractions of each class (used unless `counts` is given). They must add up to 1. */
    train: z.number().min(0).max(1).default(0.8),
    validation: z.number().min(0).max(1).default(0),
    test: z.number().min(0).max(1).default(0.2),
    /** Fixed numbers of images per class; a missing `train` means "all the rest". Overrides fractions. */
    counts: z
      .object({
        train: z.number().int().nonnegative().optional(),
        validation: z.number().int().nonnegative().default(0),
        test: z.number().int().nonnegative().default(0),
      })
      .optional(),
    seed: z.number().int().default(42),
  })
  .refine((o) => o.counts !== undefined || Math.abs(o.train + o.validation + o.test - 1) < 1e-9, {
    message: 'train, validation and test fractions must add up to 1',
  });
export type SplitOptions = z.infer<typeof splitOptionsSchema>;
export type SplitOptionsInput = z.input<typeof splitOptionsSchema>;

/** What the split needs to know about an image; `id` is carried through untouched. */
export interface SplitInput<Id> {
  id: Id;
  class: string;
}

export interface ClassSplitCounts {
  class: string;
  total: number;
  train: number;
  validation: number;
  test: number;
}

export interface SplitWarning {
  class: string;
  message: string;
}

export interface SplitResult<Id> {
  /** Images of each split, in a seeded shuffled order that interleaves classes. */
  train: SplitInput<Id>[];
  validation: SplitInput<Id>[];
  test: SplitInput<Id>[];
  perClass: ClassSplitCounts[];
  warnings: SplitWarning[];
}

/** How many images of a class of `n` go to each split, for fractions. Largest-remainder rounding keeps the total exact. */
function countsForFractions(n: number, o: SplitOptions): Record<SplitName, number> {
  const wanted = SPLITS.filter((s) => o[s] > 0);
  const exact = SPLITS.map((s) => n * o[s]);
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  // Hand out the remainder by largest fractional part; ties go to the split listed first (train).
  const order = [0, 1, 2].sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b);
  for (const i of order) {
    if (left <= 0) break;
    if (o[SPLITS[i]!] > 0) {
      counts[i]!++;
      left--;
    }
  }
  // Every requested split gets at least one image when the class has enough, taken from the largest split.
  if (n >= wanted.length) {
    for (const s of wanted) {
      const i = SPLITS.indexOf(s);
      if (counts[i] === 0) {
        const donor = [0, 1, 2].reduce((best, j) => (counts[j]! > counts[best]! ? j : best), 0);
        counts[donor]!--;
        counts[i] = 1;
      }
    }
  }
  return { train: counts[0]!, validation: counts[1]!, test: counts[2]! };
}

function countsForFixed(n: number, c: NonNullable<SplitOptions['counts']>): Record<SplitName, number> {
  // Test first (the evaluation needs it), then validation, then train gets what is left.
  const test = Math.min(c.test, n);
  const validation = Math.min(c.validation, n - test);
  const train = Math.min(c.train ?? Infinity, n - test - validation);
  return { train, validation, test };
}

export function splitStratified<Id>(items: readonly SplitInput<Id>[], optionsInput: SplitOptionsInput = {}): SplitResult<Id> {
  const o = splitOptionsSchema.parse(optionsInput);
  const byClass = new Map<string, SplitInput<Id>[]>();
  for (const it of items) {
    let list = byClass.get(it.class);
    if (!list) byClass.set(it.class, (list = []));
    list.push(it);
  }
  const result: SplitResult<Id> = { train: [], validation: [], test: [], perClass: [], warnings: [] };
  const classNames = [...byClass.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of classNames) {
    const list = shuffleInPlace([...byClass.get(name)!], mulberry32((o.seed ^ hashString(name)) >>> 0));
    const n = list.length;
    const counts = o.counts ? countsForFixed(n, o.counts) : countsForFractions(n, o);
    let at = 0;
    for (const s of SPLITS) {
      result[s].push(...list.slice(at, at + counts[s]));
      at += counts[s];
    }
    result.perClass.push({ class: name, total: n, ...counts });
    if (o.counts) {
      const short = SPLITS.filter((s) => s !== 'train' && counts[s] < o.counts![s]!);
      const trainShort = o.counts.train !== undefined && counts.train < o.counts.train;
      if (short.length || trainShort) {
        result.warnings.push({
          class: name,
          message: `class "${name}" has ${n} image${n === 1 ? '' : 's'}, fewer than the ${[...short, ...(trainShort ? (['train'] as const) : [])]
            .map((s) => `${o.counts![s]} ${s}`)
            .join(' + ')} asked for`,
        });
      }
      if (n > at) result.warnings.push({ class: name, message: `class "${name}": ${n - at} image(s) left out by the fixed counts` });
    } else {
      const missing = SPLITS.filter((s) => o[s] > 0 && counts[s] === 0);
      if (missing.length) {
        result.warnings.push({
          class: name,
          message: `class "${name}" has only ${n} image${n === 1 ? '' : 's'}: none in ${missing.join(' or ')}`,
        });
      }
    }
  }
  // Interleave classes so a training file is not 500 airports followed by 500 beaches.
  const random = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
  for (const s of SPLITS) shuffleInPlace(result[s], random);
  return result;
}
