// The review's view model against core: tiles built from a real prepared run and predictions files, the
// comparison and label errors joined to tile indices, and the grid's filter agreeing with core's confusion
// matrix cell by cell (a click on a cell must show exactly the images counted in it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeRun } from './runFixture';
import { loadRunForEvaluation } from '../../../src/core/evaluation/runContext';
import { compareEvaluations } from '../../../src/core/evaluation/compare';
import { computeReport, INVALID_LABEL } from '../../../src/core/evaluation/metrics';
import type { PredictionRecord } from '../../../src/core/evaluation/predictionRecord';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { galleryReview, loadEvaluationReview } from '../../../src/extension/evaluation/reviewModel';
import { reviewHostToWebviewSchema } from '../../../src/webview/review/reviewMessages';
import { filterTiles, INVALID_COLUMN, NO_FILTER } from '../../../src/webview/review/tileFilter';

async function writeJsonl(file: string, records: PredictionRecord[]): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

test('review model: tiles, report, comparison, label errors and the grid filter agree with core', async () => {
  const run = await makeRun({ perClass: 8, classes: ['beach', 'forest', 'river'], test: 0.5 });
  try {
    const loadedRun = await loadRunForEvaluation(run.runDir);
    const classes = loadedRun.classes;
    // Written in reverse so the review's dataset order (by custom_id) is not simply the file's order.
    const testItems = [...loadedRun.testItems].sort((x, y) => Number(x.custom_id) - Number(y.custom_id));
    assert.ok(testItems.length >= 9);
    const other = (c: string) => classes[(classes.indexOf(c) + 1) % classes.length]!;
    // First model: every third image wrong, one invalid label, one failed request.
    const first: PredictionRecord[] = testItems.map((t, i) => {
      const base = { custom_id: t.custom_id, path: t.path, truth: t.truth, model: 'base-model' };
      if (i === 1) return { ...base, predicted: null, valid: false, raw: '```json\n{"label": "golf course"}\n```' };
      if (i === 2) return { ...base, predicted: null, valid: false, raw: '', error: 'HTTP 500 after 4 attempts' };
      const predicted = i % 3 === 0 ? other(t.truth) : t.truth;
      return { ...base, predicted, valid: true, raw: JSON.stringify({ label: predicted }), description: `tile ${i}` };
    });
    // Second model: right where the first was wrong, except image 0, where both agree on the same wrong class.
    const second: PredictionRecord[] = testItems.map((t, i) => {
      const predicted = i === 0 ? other(t.truth) : i === 4 ? other(t.truth) : t.truth;
      return { custom_id: t.custom_id, path: t.path, truth: t.truth, model: 'ft:tuned', predicted, valid: true, raw: JSON.stringify({ label: predicted }) };
    });
    const firstFile = join(run.runDir, 'predictions', 'base-model.jsonl');
    const secondFile = join(run.runDir, 'predictions', 'ft-tuned.jsonl');
    await writeJsonl(firstFile, [...first].reverse());
    await writeJsonl(secondFile, second);

    const loaded = await loadEvaluationReview({ kind: 'evaluation', runDir: run.runDir, file: firstFile, compareFile: secondFile }, 'key1');
    const view = loaded.view;
    // What the host posts must pass the page's own schema.
    assert.ok(reviewHostToWebviewSchema.safeParse({ type: 'view', view }).success);
    assert.equal(view.title, 'base-model');
    assert.equal(loaded.otherModel, 'ft:tuned');
    assert.equal(view.tiles.length, testItems.length);
    assert.deepEqual(view.report, computeReport(first, classes));
    assert.equal(view.report!.cost, null, 'no price set: no cost');
    // The price from settings reaches the page's report (and so its exports).
    const price = { pricePerMillionTokens: { prompt: 2, completion: 6 } };
    const priced = await loadEvaluationReview({ kind: 'evaluation', runDir: run.runDir, file: firstFile }, 'key2', undefined, price);
    assert.deepEqual(priced.view.report, computeReport(first, classes, price));
    assert.equal(typeof priced.view.report!.cost, 'number');
    assert.deepEqual(view.tiles.map((t) => t.path), testItems.map((t) => t.path), 'tiles in dataset order');
    assert.deepEqual(view.tiles[1], { name: testItems[1]!.path.split('/').pop(), path: testItems[1]!.path, truth: testItems[1]!.truth, predicted: null, valid: false, said: 'golf course', other: { predicted: testItems[1]!.truth, valid: true } });
    assert.equal(view.tiles[2]!.failed, true);
    assert.ok(loaded.images.every((p) => existsSync(p)), 'every tile names an image that exists');
    assert.equal(loaded.records![0]!.description, 'tile 0');

    const comparison = compareEvaluations(first, second, classes);
    const idsOf = (indices: number[]) => indices.map((i) => first[i]!.custom_id).sort();
    assert.deepEqual(idsOf(view.compare!.fixed), [...comparison.fixed].sort());
    assert.deepEqual(idsOf(view.compare!.broken), [...comparison.broken].sort());
    assert.ok(view.compare!.broken.includes(4));
    assert.deepEqual(view.compare!.labelErrors, [{ index: 0, agreed: other(testItems[0]!.truth) }]);

    // Every cell of core's confusion matrix is exactly what the grid shows when that cell is clicked.
    const { labels, matrix } = view.report!.confusion;
    assert.equal(labels.at(-1), INVALID_LABEL);
    assert.equal(INVALID_COLUMN, INVALID_LABEL, 'the grid and core name the invalid column alike');
    classes.forEach((truth, r) =>
      labels.forEach((predicted, c) => {
        const shown = filterTiles(view.tiles, { ...NO_FILTER, truth, predicted });
        assert.equal(shown.length, matrix[r]![c], `cell ${truth} → ${predicted}`);
      }),
    );
    // Wrong = answered and not right (invalid included), as core's accuracy counts; failed requests apart.
    assert.equal(filterTiles(view.tiles, { ...NO_FILTER, status: 'wrong' }).length, first.filter((r) => r.error === undefined && (!r.valid || r.predicted !== r.truth)).length);
    assert.deepEqual(filterTiles(view.tiles, { ...NO_FILTER, status: 'failed' }), [2]);
    assert.deepEqual(filterTiles(view.tiles, { ...NO_FILTER, status: 'invalid' }), [1]);
    assert.deepEqual(filterTiles(view.tiles, { ...NO_FILTER, status: 'fixed' }, { fixed: view.compare!.fixed }), [...view.compare!.fixed].sort((a, b) => a - b));
    const name = view.tiles[5]!.name;
    assert.deepEqual(filterTiles(view.tiles, { ...NO_FILTER, search: name.toUpperCase() }), [5]);
  } finally {
    await run.cleanup();
  }
});

test('gallery: a dataset or one class, every image with its class, no predictions', async () => {
  const run = await makeRun({ perClass: 4, classes: ['beach', 'forest'], test: 0.5 });
  try {
    const dataset = await scanDataset(run.datasetRoot);
    const all = galleryReview(dataset, 'g');
    assert.equal(all.view.mode, 'gallery');
    assert.equal(all.view.tiles.length, 8);
    assert.ok(all.view.tiles.every((t) => t.predicted === undefined && t.path.startsWith(`${t.truth}/`)));
    assert.ok(reviewHostToWebviewSchema.safeParse({ type: 'view', view: all.view }).success);
    const forest = galleryReview(dataset, 'g2', 'forest');
    assert.deepEqual(new Set(forest.view.tiles.map((t) => t.truth)), new Set(['forest']));
    assert.equal(forest.images.length, 4);
    assert.deepEqual(forest.view.classes, ['beach', 'forest'], 'all classes stay available as move targets');
  } finally {
    await run.cleanup();
  }
});
