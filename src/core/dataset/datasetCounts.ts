// Every count shown about a dataset — the tree's rows, the health check's message and report, the CLI — comes
// from here, so that no two places can disagree (the health message once said 3 problems where the tree said 4,
// and a class showed 31 images where the training report counted 30).
//
// Vocabulary: an *image file* is what the scan found with an image extension; a *broken* one failed the health
// check (it can never be trained on, and training data skips it); *usable* = image files − broken ones. Shares
// are of the usable total, since that is what a training split is made from. *Problems* are the scan's
// findings about the dataset's shape plus the health check's findings about single images, without repeats
// and without findings about files that are no longer there.
import { BROKEN_IMAGE_KINDS, type Dataset, type Problem } from './types';

export interface ClassCounts {
  name: string;
  /** Image files found by the scan. */
  imageFiles: number;
  /** Of those, failed the last health check (0 before any check). */
  broken: number;
  usable: number;
  /** usable / usable total, 0–1. */
  share: number;
}

export interface DatasetCounts {
  classes: ClassCounts[];
  imageFiles: number;
  broken: number;
  usable: number;
  /** Files set aside by the scan because they are not images (e.g. notes.txt); never counted as images. */
  otherFiles: number;
  /** The one list of problems, in the order shown: the scan's first, then the health check's. */
  problems: Problem[];
  /** Whether a health check's results are included (broken counts are only known after one). */
  healthChecked: boolean;
}

const problemKey = (p: Problem) => `${p.kind}\0${p.path ?? ''}\0${p.class ?? ''}`;

export function countDataset(ds: Dataset, health?: { problems: readonly Problem[] }): DatasetCounts {
  const present = new Set(ds.classes.flatMap((c) => c.images.map((i) => i.path)));
  // Health findings are about single images: one about a file deleted since the check no longer counts.
  const healthProblems = (health?.problems ?? []).filter((p) => p.path === undefined || present.has(p.path));
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const p of [...ds.problems, ...healthProblems]) {
    const key = problemKey(p);
    if (seen.has(key)) continue; // e.g. an empty file both the scan and the health check noticed
    seen.add(key);
    problems.push(p);
  }
  const brokenPaths = new Set(problems.filter((p) => p.path !== undefined && BROKEN_IMAGE_KINDS.has(p.kind) && present.has(p.path)).map((p) => p.path!));
  const perClass = ds.classes.map((c) => {
    const broken = c.images.filter((i) => brokenPaths.has(i.path)).length;
    return { name: c.name, imageFiles: c.images.length, broken, usable: c.images.length - broken };
  });
  const usable = perClass.reduce((n, c) => n + c.usable, 0);
  const imageFiles = perClass.reduce((n, c) => n + c.imageFiles, 0);
  return {
    classes: perClass.map((c) => ({ ...c, share: usable ? c.usable / usable : 0 })),
    imageFiles,
    broken: imageFiles - usable,
    usable,
    otherFiles: ds.skipped.length,
    problems,
    healthChecked: health !== undefined,
  };
}

/** "12%" or, under 10 %, "4.2%": the share as every view prints it. */
export function formatShare(share: number): string {
  const pct = share * 100;
  return `${pct.toFixed(pct < 10 ? 1 : 0)}%`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * The one-line summary the health check shows when it finishes: the tree's Problems row counts the same
 * problems, and its dataset row shows the same number of usable images.
 */
export function healthSummary(name: string, counts: DatasetCounts): string {
  if (!counts.problems.length) return `${name}: all ${plural(counts.imageFiles, 'image')} decode cleanly.`;
  const usable = counts.broken
    ? `${counts.usable.toLocaleString('en-US')} of ${plural(counts.imageFiles, 'image')} are usable, ${counts.broken.toLocaleString('en-US')} cannot be used`
    : `all ${plural(counts.imageFiles, 'image')} are usable`;
  const others = counts.otherFiles ? `; ${plural(counts.otherFiles, 'file')} ${counts.otherFiles === 1 ? 'is' : 'are'} not an image` : '';
  return `${name}: ${plural(counts.problems.length, 'problem')} — ${usable}${others}. See the report and the Datasets view.`;
}
