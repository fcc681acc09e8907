// A prepared run made at test time: a generated aerial-like dataset, scanned and prepared by the real
// pipeline (manifest.json + test.batch.jsonl), in a temp folder the caller removes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../fixtures/generateDataset';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { prepareTrainingData } from '../../../src/core/training/prepareTrainingData';
import type { PredictionRecord } from '../../../src/core/evaluation/predictionRecord';

export interface RunFixture {
  dir: string;
  runDir: string;
  datasetRoot: string;
  classes: string[];
  cleanup: () => Promise<void>;
}

export async function makeRun(opts: { perClass?: number; classes?: string[]; test?: number; template?: 'reference' | 'compact' } = {}): Promise<RunFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-eval-'));
  const ds = await generateDataset(join(dir, 'ds'), { perClass: opts.perClass ?? 10, size: 48, seed: 5, classes: opts.classes });
  const dataset = await scanDataset(ds.root);
  const runDir = join(dir, 'run');
  const test = opts.test ?? 0.5;
  await prepareTrainingData(dataset, { split: { train: 1 - test, validation: 0, test }, template: opts.template ?? 'reference', image: { scale: 1 } }, runDir);
  return { dir, runDir, datasetRoot: ds.root, classes: ds.classes, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A record with the fields a test cares about. */
export function rec(id: string | number, truth: string, predicted: string | null, extra: Partial<PredictionRecord> = {}): PredictionRecord {
  return { custom_id: String(id), path: `${truth}/${id}.jpg`, truth, predicted, valid: predicted !== null, raw: predicted === null ? 'no idea' : JSON.stringify({ label: predicted }), ...extra };
}
