import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDataset } from '../../../src/core/dataset/scanDataset';
import { checkDatasetHealth } from '../../../src/core/dataset/checkDatasetHealth';
import { escapeMarkdown, renderHealthReportMarkdown } from '../../../src/core/dataset/healthReportMarkdown';
import { generateProblemDataset, HOSTILE_CLASS } from '../../fixtures/generateProblemDataset';

let root: string;
test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pixtune-health-'));
  await generateProblemDataset(root);
});
test.after(() => rm(root, { recursive: true, force: true }));

test('reports each broken image with the right kind and leaves good ones alone', async () => {
  const ds = await scanDataset(root);
  const report = await checkDatasetHealth(ds);
  const kindOf = (path: string) => report.images.find((i) => i.path === path)?.problem?.kind;
  assert.equal(kindOf('broken/corrupt.jpg'), 'corrupt');
  assert.equal(kindOf('broken/truncated.jpg'), 'truncated');
  assert.equal(kindOf('broken/empty.jpg'), 'zero-byte');
  assert.equal(kindOf('broken/animated.png'), 'unsupported');
  assert.equal(kindOf('broken/bomb.png'), 'oversized');
  assert.equal(kindOf('good/odd size.jpg'), 'unusual-size');
  assert.equal(kindOf('good/good_001.jpg'), undefined);
  assert.equal(kindOf('good/nested/deeper/inner.jpg'), undefined);
  // formats are readable (only their size may be unusual); 16-bit depth is recorded
  for (const f of ['formats/eight.tif', 'formats/sixteen.tiff', 'formats/web.webp', 'formats/alpha.png', 'formats/rotated.JPG']) {
    const k = kindOf(f);
    assert.ok(k === undefined || k === 'unusual-size', `${f} reported as ${k}`);
  }
  assert.equal(report.images.find((i) => i.path === 'formats/sixteen.tiff')?.depth, 'ushort');
  assert.equal(report.images.find((i) => i.path === 'formats/rotated.JPG')?.orientation, 6);
  assert.deepEqual(report.usualSize && [report.usualSize.width, report.usualSize.height], [64, 64]);
  assert.equal(report.checked, ds.classes.reduce((n, c) => n + c.images.length, 0));
  assert.equal(report.ok + report.problems.length, report.checked);
});

test('reports progress up to the total and can be cancelled', async () => {
  const ds = await scanDataset(root);
  const seen: number[] = [];
  await checkDatasetHealth(ds, { onProgress: (p) => seen.push(p.done) });
  assert.equal(seen.at(-1), ds.classes.reduce((n, c) => n + c.images.length, 0));
  const c = new AbortController();
  const p = checkDatasetHealth(ds, { signal: c.signal, onProgress: () => c.abort() });
  await assert.rejects(p, { name: 'AbortError' });
});

test('the Markdown report shows hostile names as literal text', async () => {
  const ds = await scanDataset(root);
  const md = renderHealthReportMarkdown(ds, await checkDatasetHealth(ds));
  assert.ok(!md.includes('<img'), 'raw HTML from a folder name reached the report');
  assert.match(md, /## Truncated images \(1\)/);
  assert.equal(escapeMarkdown(HOSTILE_CLASS), '&lt;img src=x onerror=alert\\(1\\)&gt;');
});
