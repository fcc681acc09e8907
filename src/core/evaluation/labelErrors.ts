// Suspected label errors: images where two models, both giving a valid class, agree with each other
// and not with the folder the image is in. Two independent models agreeing against the folder is the
// cheapest strong hint that the folder is wrong — the review lists these for a human to decide.
import { answeredById } from './compare';
import type { PredictionRecord } from './predictionRecord';

export interface SuspectedLabelError {
  custom_id: string;
  path: string;
  truth: string;
  /** The class both models gave. */
  agreed: string;
}

export function suspectedLabelErrors(a: PredictionRecord[], b: PredictionRecord[]): SuspectedLabelError[] {
  const bById = answeredById(b);
  const out: SuspectedLabelError[] = [];
  for (const [id, x] of answeredById(a)) {
    const y = bById.get(id);
    if (!y || !x.valid || !y.valid || x.predicted === null) continue;
    if (x.predicted === y.predicted && x.predicted !== x.truth) out.push({ custom_id: id, path: x.path, truth: x.truth, agreed: x.predicted });
  }
  return out.sort((p, q) => p.path.localeCompare(q.path));
}
