// The stable JSON shape of `pixtune scan --json` (see ScanSummary in types.ts).
import type { Dataset, Problem, ScanSummary } from './types';
import { countDataset } from './datasetCounts';

export function summarizeDataset(ds: Dataset, opts: { includeImages?: boolean; extraProblems?: Problem[] } = {}): ScanSummary {
  return {
    root: ds.root,
    classes: ds.classes.map((c) => ({ name: c.name, count: c.images.length, ...(opts.includeImages ? { images: c.images.map((i) => i.path) } : {}) })),
    total: ds.classes.reduce((n, c) => n + c.images.length, 0),
    skipped: ds.skipped,
    // The same list (no repeats) that the Datasets view and the health message count.
    problems: countDataset(ds, { problems: opts.extraProblems ?? [] }).problems,
  };
}
