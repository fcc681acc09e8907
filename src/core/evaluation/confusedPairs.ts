// The pairs of classes a model mixes up most (dense vs medium residential, playground vs stadium…),
// read off the confusion matrix: both directions of a pair are added, since a reviewer looks at the pair.
import type { EvaluationReport } from './predictionRecord';

export interface ConfusedPair {
  a: string;
  b: string;
  /** Images of a predicted as b. */
  aAsB: number;
  /** Images of b predicted as a. */
  bAsA: number;
  total: number;
}

export function mostConfusedPairs(confusion: EvaluationReport['confusion'], limit = 5): ConfusedPair[] {
  // The last label is the invalid column; it has no row and pairs with nothing.
  const classes = confusion.labels.slice(0, confusion.matrix.length);
  const pairs: ConfusedPair[] = [];
  for (let i = 0; i < classes.length; i++) {
    for (let j = i + 1; j < classes.length; j++) {
      const aAsB = confusion.matrix[i]![j] ?? 0;
      const bAsA = confusion.matrix[j]![i] ?? 0;
      if (aAsB + bAsA > 0) pairs.push({ a: classes[i]!, b: classes[j]!, aAsB, bAsA, total: aAsB + bAsA });
    }
  }
  return pairs.sort((x, y) => y.total - x.total || x.a.localeCompare(y.a) || x.b.localeCompare(y.b)).slice(0, limit);
}
