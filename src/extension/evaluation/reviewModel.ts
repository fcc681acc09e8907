// What a review or gallery panel shows, built from files: the view the page draws (validated by the shared
// schema) and, beside it, what only the host keeps — the absolute path of every tile's image and the records
// behind each tile (raw answers, descriptions). The metrics, the comparison, the confused pairs and the label
// errors all come from core/evaluation; this only joins them to tile indices. No vscode import: tested as is.
import { basename, join } from 'node:path';
import { compareEvaluations, type EvaluationComparison } from '../../core/evaluation/compare';
import { mostConfusedPairs } from '../../core/evaluation/confusedPairs';
import { suspectedLabelErrors } from '../../core/evaluation/labelErrors';
import { computeReport, type ReportOptions } from '../../core/evaluation/metrics';
import { parseAnswer } from '../../core/evaluation/parseAnswer';
import type { PredictionRecord } from '../../core/evaluation/predictionRecord';
import { readPredictions } from '../../core/evaluation/predictionsFile';
import { loadManifest } from '../../core/evaluation/runContext';
import type { Dataset } from '../../core/dataset/types';
import type { ReviewTile, ReviewView } from '../../webview/review/reviewMessages';

/** What a panel shows; kept (by key) in workspaceState so a reloaded window reopens the same view. */
export type ReviewSource =
  | { kind: 'evaluation'; runDir: string; file: string; compareFile?: string }
  | { kind: 'gallery'; root: string; className?: string };

export interface LoadedReview {
  view: ReviewView;
  /** Dataset root: the images' folder, a local resource root of the panel. */
  datasetRoot: string;
  /** Absolute image path of each tile, by index. */
  images: string[];
  /** The record behind each tile, and the second model's, when reviewing predictions. */
  records?: PredictionRecord[];
  otherRecords?: (PredictionRecord | undefined)[];
  /** Model names, for titles and exports. */
  model?: string;
  otherModel?: string;
  comparison?: EvaluationComparison;
  classes: string[];
}

function byDatasetOrder(a: PredictionRecord, b: PredictionRecord): number {
  return Number(a.custom_id) - Number(b.custom_id) || a.custom_id.localeCompare(b.custom_id);
}

/** The model a predictions file holds: named in its lines, else its file name without .jsonl. */
export function modelOf(records: readonly PredictionRecord[], file: string): string {
  return records.find((r) => r.model)?.model ?? basename(file).replace(/\.jsonl$/, '');
}

export async function loadEvaluationReview(source: Extract<ReviewSource, { kind: 'evaluation' }>, key: string, signal?: AbortSignal, reportOptions: ReportOptions = {}): Promise<LoadedReview> {
  const manifest = await loadManifest(source.runDir);
  const classes = manifest.classes;
  const read = await readPredictions(source.file, signal);
  // Dataset order (custom_id is the image's index in manifest.json), not the order answers arrived in.
  const records = [...read.records].sort(byDatasetOrder);
  const report = computeReport(records, classes, reportOptions);
  const model = modelOf(records, source.file);
  const problems = read.problems.slice(0, 5).map((p) => `${basename(source.file)}: ${p}`);
  if (read.problems.length > 5) problems.push(`…and ${read.problems.length - 5} more lines that could not be read.`);

  let other: PredictionRecord[] | undefined;
  let otherModel: string | undefined;
  let compare: ReviewView['compare'];
  let comparison: EvaluationComparison | undefined;
  if (source.compareFile) {
    const readOther = await readPredictions(source.compareFile, signal);
    other = readOther.records;
    otherModel = modelOf(other, source.compareFile);
    comparison = compareEvaluations(records, other, classes);
    const indexOf = new Map(records.map((r, i) => [r.custom_id, i]));
    const indices = (ids: readonly string[]) => ids.map((id) => indexOf.get(id)).filter((i): i is number => i !== undefined);
    compare = {
      label: otherModel,
      report: comparison.b,
      fixed: indices(comparison.fixed),
      broken: indices(comparison.broken),
      labelErrors: suspectedLabelErrors(records, other).flatMap((e) => {
        const index = indexOf.get(e.custom_id);
        return index === undefined ? [] : [{ index, agreed: e.agreed }];
      }),
    };
  }
  const otherById = other ? new Map(other.map((r) => [r.custom_id, r])) : undefined;
  const otherRecords = otherById ? records.map((r) => otherById.get(r.custom_id)) : undefined;
  const tiles: ReviewTile[] = records.map((r, i) => {
    const o = otherRecords?.[i];
    const said = r.error === undefined && !r.valid ? parseAnswer(r.raw, classes).label?.slice(0, 60) : undefined;
    return {
      name: r.path.split('/').pop() ?? r.path,
      path: r.path,
      truth: r.truth,
      predicted: r.error !== undefined ? null : r.predicted,
      valid: r.error === undefined && r.valid,
      ...(said ? { said } : {}),
      ...(r.error !== undefined ? { failed: true } : {}),
      ...(o ? { other: { predicted: o.error !== undefined ? null : o.predicted, valid: o.error === undefined && o.valid, ...(o.error !== undefined ? { failed: true } : {}) } } : {}),
    };
  });
  const runName = basename(source.runDir);
  return {
    view: {
      key,
      mode: 'review',
      title: model,
      subtitle: `${basename(manifest.datasetRoot)} · run ${runName} · ${records.length} predictions${otherModel ? ` · compared with ${otherModel}` : ''}`,
      classes,
      tiles,
      report,
      confusedPairs: mostConfusedPairs(report.confusion, 6),
      problems,
      compare,
      canCompare: true,
    },
    datasetRoot: manifest.datasetRoot,
    images: records.map((r) => join(manifest.datasetRoot, ...r.path.split('/'))),
    records,
    otherRecords,
    model,
    otherModel,
    comparison,
    classes,
  };
}

/** The gallery of a scanned dataset, or of one of its classes. */
export function galleryReview(dataset: Dataset, key: string, className?: string): LoadedReview {
  const classes = dataset.classes.filter((c) => className === undefined || c.name === className);
  const tiles: ReviewTile[] = [];
  const images: string[] = [];
  for (const c of classes) {
    for (const im of c.images) {
      tiles.push({ name: im.path.split('/').pop() ?? im.path, path: im.path, truth: c.name });
      images.push(join(dataset.root, ...im.path.split('/')));
    }
  }
  const name = basename(dataset.root) || dataset.root;
  return {
    view: {
      key,
      mode: 'gallery',
      title: className ? `${name} / ${className}` : name,
      subtitle: `${tiles.length} images${className ? '' : ` in ${classes.length} classes`}`,
      classes: dataset.classes.map((c) => c.name),
      tiles,
      confusedPairs: [],
      problems: [],
      canCompare: false,
    },
    datasetRoot: dataset.root,
    images,
    classes: dataset.classes.map((c) => c.name),
  };
}
