// One source of truth for counts: the tree, the health message, the health report and the training report
// must agree on the sample's shape (3 broken images, 1 text file: 4 problems; beach has 30 usable of 31 files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { checkDatasetHealth } from '../../../src/core/dataset/checkDatasetHealth';
import { countDataset, formatShare, healthSummary } from '../../../src/core/dataset/datasetCounts';
import { renderHealthReportMarkdown } from '../../../src/core/dataset/healthReportMarkdown';
import { summarizeDataset } from '../../../src/core/dataset/summarizeDataset';
import { prepareTrainingData } from '../../../src/core/training/prepareTrainingData';
import type { Dataset, HealthReport } from '../../../src/core/dataset/types';
import { generateDataset } from '../../fixtures/generateDataset';

let root: string;
let ds: Dataset;
let health: HealthReport;
test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pixtune-counts-'));
  await generateDataset(root, { classes: ['beach', 'forest', 'river'], perClass: 6, size: 32, format: 'jpeg', seed: 3 });
  const good = await readFile(join(root, 'beach', 'beach_001.jpg'));
  await writeFile(join(root, 'beach', 'beach_truncated.jpg'), good.subarray(0, Math.floor(good.length / 2)));
  await writeFile(join(root, 'river', 'river_empty.png'), Buffer.alloc(0));
  await writeFile(join(root, 'forest', 'notes.txt'), 'labelled by hand\n');
  ds = await scanDataset(root);
  health = await checkDatasetHealth(ds);
});
test.after(() => rm(root, { recursive: true, force: true }));

test('before a health check: image files are all counted as usable, the text file is a problem but not an image', () => {
  const c = countDataset(ds);
  assert.equal(c.imageFiles, 20);
  assert.equal(c.usable, 20);
  assert.equal(c.otherFiles, 1);
  assert.equal(c.healthChecked, false);
  assert.deepEqual(c.problems.map((p) => p.kind), ['non-image']);
});

test('after it: problems are the scan\'s plus the check\'s, broken images are not usable, shares are of usable images', () => {
  const c = countDataset(ds, health);
  assert.deepEqual(c.problems.map((p) => p.kind === 'truncated' ? 'corrupt' : p.kind).sort(), ['corrupt', 'non-image', 'zero-byte']);
  assert.equal(c.broken, 2);
  assert.equal(c.usable, 18);
  const beach = c.classes.find((x) => x.name === 'beach')!;
  assert.deepEqual([beach.imageFiles, beach.usable, beach.broken], [7, 6, 1]);
  assert.equal(formatShare(beach.share), '33%');
  assert.equal(c.classes.reduce((n, x) => n + x.share, 0).toFixed(6), '1.000000');
  // The message counts the same problems as the tree, and says what they are.
  assert.equal(healthSummary('aid', c), 'aid: 3 problems — 18 of 20 images are usable, 2 cannot be used; 1 file is not an image. See the report and the Datasets view.');
  assert.equal(healthSummary('aid', countDataset(ds)), 'aid: 1 problem — all 20 images are usable; 1 file is not an image. See the report and the Datasets view.');
});

test('a problem both the scan and the check report is counted once; one about a deleted file not at all', () => {
  const dup = { kind: 'zero-byte' as const, path: 'river/river_empty.png', class: 'river', message: 'empty' };
  const gone = { kind: 'corrupt' as const, path: 'river/deleted.jpg', class: 'river', message: 'gone' };
  const c = countDataset({ ...ds, problems: [...ds.problems, dup] }, { problems: [...health.problems, gone] });
  assert.equal(c.problems.length, 3);
  assert.equal(c.broken, 2);
  assert.equal(summarizeDataset({ ...ds, problems: [...ds.problems, dup] }, { extraProblems: health.problems }).problems.length, 3);
});

test('the health report and the training report print the same per-class figures as the counts', async () => {
  const c = countDataset(ds, health);
  const md = renderHealthReportMarkdown(ds, health);
  assert.match(md, /\*\*18 usable\*\*, \*\*2 cannot be used\*\*\. \*\*3 problems\*\* in all/);
  assert.match(md, /\| beach \| 7 \| 6 \| 33% \| 1 \|/);
  const out = await mkdtemp(join(tmpdir(), 'pixtune-counts-run-'));
  try {
    const run = await prepareTrainingData(ds, { split: { train: 0.5, validation: 0, test: 0.5, seed: 1 }, image: { scale: 1 } }, out);
    const report = await readFile(run.reportPath, 'utf8');
    for (const cls of c.classes) {
      const row = run.perClass.find((p) => p.class === cls.name)!;
      assert.equal(row.total, cls.usable, `class ${cls.name}: the training report's total is the tree's usable count`);
      // …and its "image files" column is what the tree counts before a health check.
      assert.match(report, new RegExp(`\\| ${cls.name} \\| \\d+ \\| \\d+ \\| \\d+ \\| ${cls.usable} \\| ${cls.broken} \\| ${cls.imageFiles} \\|`), `report row of ${cls.name}`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
