// Which tiles the grid shows: a status (all / correct / wrong / invalid, and fixed / broken when comparing),
// a true class, a predicted class ("(invalid)" for answers outside the classes) and a text search on the file
// name. A click on a confusion cell sets exactly truth + predicted, so the grid holds exactly that cell's tiles.
import type { ReviewTile } from './reviewMessages';

export const INVALID_COLUMN = '(invalid)';
export const STATUSES = ['all', 'correct', 'wrong', 'invalid', 'failed', 'fixed', 'broken', 'labelErrors'] as const;
export type TileStatus = (typeof STATUSES)[number];

export interface TileFilter {
  status: TileStatus;
  /** '' = any class. */
  truth: string;
  /** '' = any; INVALID_COLUMN = answers that are not a class (failed requests included). */
  predicted: string;
  search: string;
}

export const NO_FILTER: TileFilter = { status: 'all', truth: '', predicted: '', search: '' };

// As in core's report: a failed request (no answer) is in no cell of the matrix and no figure but the error
// rate; an invalid answer (no class of the run) is the matrix's last column and counts as wrong.
export function isFailed(t: ReviewTile): boolean {
  return t.failed === true;
}
export function isInvalid(t: ReviewTile): boolean {
  return !isFailed(t) && t.valid === false;
}
export function isWrong(t: ReviewTile): boolean {
  return t.predicted !== undefined && !isFailed(t) && (isInvalid(t) || t.predicted !== t.truth);
}

/** Indices of the tiles that pass the filter, in list order. `sets` holds the comparison's index lists. */
export function filterTiles(
  tiles: readonly ReviewTile[],
  f: TileFilter,
  sets: { fixed?: readonly number[]; broken?: readonly number[]; labelErrors?: readonly number[] } = {},
): number[] {
  const only = f.status === 'fixed' || f.status === 'broken' || f.status === 'labelErrors' ? new Set(sets[f.status] ?? []) : undefined;
  const needle = f.search.trim().toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < tiles.length; i++) {
    const t = tiles[i]!;
    if (only && !only.has(i)) continue;
    if (f.status === 'correct' && (isWrong(t) || isFailed(t) || t.predicted === undefined)) continue;
    if (f.status === 'failed' && !isFailed(t)) continue;
    if (f.status === 'wrong' && !isWrong(t)) continue;
    if (f.status === 'invalid' && !isInvalid(t)) continue;
    if (f.truth && t.truth !== f.truth) continue;
    if (f.predicted && (isFailed(t) || (f.predicted === INVALID_COLUMN ? !isInvalid(t) : !t.valid || t.predicted !== f.predicted))) continue;
    if (needle && !t.name.toLowerCase().includes(needle) && !t.path.toLowerCase().includes(needle)) continue;
    out.push(i);
  }
  return out;
}

/** The filter as words, for the line above the grid ("truth forest · predicted river"). */
export function describeFilter(f: TileFilter): string {
  const parts: string[] = [];
  if (f.status !== 'all') parts.push(STATUS_LABELS[f.status].toLowerCase());
  if (f.truth) parts.push(`truth ${f.truth}`);
  if (f.predicted) parts.push(f.predicted === INVALID_COLUMN ? 'invalid answers' : `predicted ${f.predicted}`);
  if (f.search.trim()) parts.push(`name contains "${f.search.trim()}"`);
  return parts.join(' · ');
}

export const STATUS_LABELS: Record<TileStatus, string> = {
  all: 'All',
  correct: 'Correct',
  wrong: 'Wrong',
  invalid: 'Invalid answers',
  failed: 'No answer (request failed)',
  fixed: 'Fixed by the second model',
  broken: 'Broken by the second model',
  labelErrors: 'Suspected label errors',
};
