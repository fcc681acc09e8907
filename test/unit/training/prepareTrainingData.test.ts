import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbortError, UserError } from '../../../src/core/errors';
import { manifestSchema } from '../../../src/core/training/manifest';
import { planPreparation } from '../../../src/core/training/planPreparation';
import { prepareTrainingData } from '../../../src/core/training/prepareTrainingData';
import { fineTuningRecordSchema, batchRecordSchema } from '../../../src/core/training/schemas';
import { validateJsonlFile } from '../../../src/core/training/validateJsonl';
import { makeDataset, tempDir, texturedJpeg } from './trainingFixtures';

const readLines = async (p: string) => (await readFile(p, 'utf8')).trimEnd().split('\n');

test('writes valid train / validation / test batch files, manifest and report', async () => {
  const ds = await makeDataset(['airport', 'beach', 'forest'], 10, 80);
  const out = await tempDir();
  const progress: number[] = [];
  const r = await prepareTrainingData(ds, { split: { train: 0.6, validation: 0.2, test: 0.2 }, template: 'compact' }, out, {
    onProgress: (p) => p.phase === 'writing' && progress.push(p.done),
  });
  assert.deepEqual((await readdir(out)).sort(), ['manifest.json', 'report.md', 'test.batch.jsonl', 'train.jsonl', 'validation.jsonl']);
  assert.deepEqual(r.files.map((f) => [f.name, f.lines]), [['train.jsonl', 18], ['validation.jsonl', 6], ['test.batch.jsonl', 6]]);
  for (const f of r.files) assert.deepEqual((await validateJsonlFile(f.path)).errors, [], f.name);
  assert.equal(progress.at(-1), 30);

  const train = (await readLines(join(out, 'train.jsonl'))).map((l) => fineTuningRecordSchema.parse(JSON.parse(l)));
  const first = train[0]!;
  assert.deepEqual(first.messages.map((m) => m.role), ['system', 'user', 'assistant']);
  assert.equal(first.messages[0]!.content, 'Classify the image into exactly one of these classes: airport; beach; forest.\nAnswer only with a JSON object {"label": "<class>"}.');
  const label = JSON.parse(first.messages[2]!.content as string).label;
  assert.ok(['airport', 'beach', 'forest'].includes(label));

  const manifest = manifestSchema.parse(JSON.parse(await readFile(r.manifestPath, 'utf8')));
  assert.deepEqual(manifest.classes, ['airport', 'beach', 'forest']);
  assert.equal(manifest.images.length, 30);
  assert.equal(manifest.createdAt, undefined);
  // Every batch custom_id joins back to a manifest image of the test split, and the answer matches its class.
  for (const line of await readLines(join(out, 'test.batch.jsonl'))) {
    const rec = batchRecordSchema.parse(JSON.parse(line));
    const im = manifest.images[Number(rec.custom_id)]!;
    assert.equal(im.split, 'test');
    assert.equal(im.file, 'test.batch.jsonl');
  }
  // The manifest's file/line point at the image's record, whose answer is the image's class.
  const im = manifest.images.find((x) => x.split === 'train')!;
  const rec = train[im.line! - 1]!;
  assert.equal(JSON.parse(rec.messages[2]!.content as string).label, im.class);
  assert.match(im.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual([im.sourceWidth, im.width], [80, 40]);

  const report = await readFile(r.reportPath, 'utf8');
  assert.match(report, /\| airport \| 6 \| 2 \| 2 \| 10 \|/);
  assert.match(report, /train\.jsonl \| 18 \|/);
  assert.match(report, /USD/);
});

test('same seed and inputs give byte-identical files; another seed changes the split', async () => {
  const ds = await makeDataset(['a', 'b'], 8, 64, 5);
  const run = async (seed: number) => {
    const out = await tempDir();
    await prepareTrainingData(ds, { split: { seed } }, out, { concurrency: 3 });
    const files = (await readdir(out)).sort();
    return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(join(out, f))] as const)));
  };
  const [x, y, z] = [await run(42), await run(42), await run(7)];
  assert.deepEqual(Object.keys(x), Object.keys(y));
  for (const f of Object.keys(x)) assert.ok(x[f]!.equals(y[f]!), `${f} differs between identical runs`);
  assert.ok(!x['test.batch.jsonl']!.equals(z['test.batch.jsonl']!));
});

for (const mode of ['one pass', 'with a plan'] as const) {
  test(`cancelling mid-run (${mode}) leaves no output file and no temp file`, async () => {
    const ds = await makeDataset(['a', 'b'], 15, 96, 6);
    const plan = mode === 'with a plan' ? await planPreparation(ds, {}) : undefined;
    const out = await tempDir();
    await writeFile(join(out, 'keep.txt'), 'unrelated');
    const controller = new AbortController();
    const phase = mode === 'with a plan' ? 'writing' : 'encoding';
    await assert.rejects(
      prepareTrainingData(ds, {}, join(out, 'run'), {
        plan,
        signal: controller.signal,
        concurrency: 2,
        onProgress: (p) => p.phase === phase && p.done === 5 && controller.abort(),
      }),
      (err: unknown) => isAbortError(err),
    );
    assert.deepEqual(await readdir(out), ['keep.txt']);
  });
}

test('a run from a plan and a one-pass run write the same bytes', async () => {
  const ds = await makeDataset(['a', 'b', 'c'], 6, 90, 12);
  const opts = { split: { train: 0.5, validation: 0.25, test: 0.25 } };
  const one = await tempDir();
  const two = await tempDir();
  await prepareTrainingData(ds, opts, one);
  await prepareTrainingData(ds, opts, two, { plan: await planPreparation(ds, opts) });
  for (const f of (await readdir(one)).sort()) assert.ok((await readFile(join(one, f))).equals(await readFile(join(two, f))), f);
});

test('broken and unsupported images are skipped with reasons; the rest is still valid', async () => {
  const ds = await makeDataset(['good', 'mixed'], 6, 64, 7);
  const bad: Record<string, Buffer> = {
    'mixed/empty.jpg': Buffer.alloc(0),
    'mixed/text.jpg': Buffer.from('this is not a picture'),
    'mixed/truncated.jpg': (await texturedJpeg(200, 200, 77)).subarray(0, 900),
    'mixed/vector.png': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
  };
  for (const [p, b] of Object.entries(bad)) {
    await writeFile(join(ds.root, p), b);
    ds.classes[1]!.images.push({ path: p });
  }
  ds.classes[1]!.images.push({ path: 'mixed/vanished.jpg' });
  const out = await tempDir();
  const r = await prepareTrainingData(ds, {}, out);
  const reasons = Object.fromEntries(r.skipped.map((s) => [s.path, s.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), [...Object.keys(bad), 'mixed/vanished.jpg'].sort());
  assert.match(reasons['mixed/empty.jpg']!, /empty/);
  assert.match(reasons['mixed/vanished.jpg']!, /no longer exists/);
  assert.match(reasons['mixed/vector.png']!, /unsupported|not a readable/);
  assert.equal(r.perClass.find((c) => c.class === 'mixed')!.total, 6);
  for (const f of r.files) assert.equal((await validateJsonlFile(f.path)).ok, true);
  const manifest = JSON.parse(await readFile(r.manifestPath, 'utf8'));
  assert.equal(manifest.skipped.length, 5);
  assert.match(await readFile(r.reportPath, 'utf8'), /Skipped images \(5\)/);
});

test('hostile and unicode file and class names round-trip exactly in the manifest', async () => {
  const ds = await makeDataset(['plain'], 4, 48, 8);
  const names = ['naïve café 🌍.jpg', 'a|b`c*d<img onerror=x>.jpg', 'line\nbreak "quoted".jpg', 'back\\slash.jpg'];
  const cls = 'Ünïcödé <img src=x onerror=alert(1)> | class';
  await mkdir(join(ds.root, cls));
  const images = [];
  for (const [i, n] of names.entries()) {
    await writeFile(join(ds.root, cls, n), await texturedJpeg(48, 48, 900 + i));
    images.push({ path: `${cls}/${n}` });
  }
  ds.classes.push({ name: cls, images });
  const out = await tempDir();
  const r = await prepareTrainingData(ds, { split: { train: 0.5, test: 0.5 } }, out);
  const manifest = JSON.parse(await readFile(r.manifestPath, 'utf8'));
  const paths = manifest.images.filter((im: { class: string }) => im.class === cls).map((im: { path: string }) => im.path);
  assert.deepEqual(paths.sort(), images.map((i) => i.path).sort());
  assert.ok(manifest.classes.includes(cls));
  // The answer JSON stays valid with odd class names.
  for (const line of await readLines(join(out, 'train.jsonl'))) {
    const rec = fineTuningRecordSchema.parse(JSON.parse(line));
    const answer = (rec.messages[2]!.content as string).replace(/^```json\n|\n```$/g, '');
    assert.ok(['plain', cls].includes(JSON.parse(answer).label));
  }
  const report = await readFile(r.reportPath, 'utf8');
  assert.ok(!report.includes('<img'), 'class names are escaped in the report');
  assert.ok(report.includes('Ünïcödé'));
});

test('maxFileBytes shards the training data into parts under the limit', async () => {
  const ds = await makeDataset(['a', 'b'], 10, 64, 9);
  const out = await tempDir();
  const r = await prepareTrainingData(ds, { maxFileBytes: 8000 }, out);
  const parts = r.files.filter((f) => f.split === 'train');
  assert.ok(parts.length > 1, `${parts.length} parts`);
  assert.deepEqual(parts.map((p) => p.name), parts.map((_, i) => `train.part-${String(i + 1).padStart(3, '0')}.jsonl`));
  for (const p of parts) {
    assert.ok(p.bytes <= 8000, `${p.name}: ${p.bytes}`);
    assert.equal((await validateJsonlFile(p.path)).ok, true);
  }
  assert.equal(parts.reduce((n, p) => n + p.lines, 0), 16);
  assert.ok(!(await readdir(out)).includes('train.jsonl'));
  // The test batch is uploaded on its own too: it is split by the same limit.
  const testParts = r.files.filter((f) => f.split === 'test');
  assert.ok(testParts.length >= 1 && testParts.every((p) => p.bytes <= 8000 && /^test\.batch\.part-\d{3}\.jsonl$/.test(p.name)), testParts.map((p) => `${p.name} ${p.bytes}`).join(', '));
});

test('a test batch file over the upload limit is planned as needing parts, and refused before writing', async () => {
  const ds = await makeDataset(['a', 'b'], 5, 64, 10);
  const plan = await planPreparation(ds, {});
  assert.equal(plan.needsSharding, false);
  // Same plan with the test file estimated at 700 MB: the decision and the message name that file.
  const { overUploadLimit } = await import('../../../src/core/training/planPreparation');
  assert.deepEqual(overUploadLimit({ ...plan.estimate, testBytes: 700 * 1048576 }).map((f) => f.label), ['test.batch.jsonl (about 700 MB)']);
  const huge = { ...plan, needsSharding: true, estimate: { ...plan.estimate, testBytes: 700 * 1048576 } };
  const out = await tempDir();
  await assert.rejects(prepareTrainingData(ds, {}, out, { plan: huge }), (e: unknown) => e instanceof UserError && /test\.batch\.jsonl \(about 700 MB\)/.test(e.message));
  assert.deepEqual(await readdir(out), []);
});

test('a training file over the upload limit is refused before writing, with the way out', async () => {
  const ds = await makeDataset(['a', 'b'], 5, 64, 10);
  const plan = await planPreparation(ds, {});
  // Pretend the data is huge: the decision is made on the plan's estimate, before anything is written.
  const huge = { ...plan, needsSharding: true, estimate: { ...plan.estimate, trainBytes: 600 * 1048576 } };
  const out = await tempDir();
  await assert.rejects(prepareTrainingData(ds, {}, out, { plan: huge }), (e: unknown) => e instanceof UserError && /512 MB/.test(e.message) && /maxFileBytes/.test(e.action ?? ''));
  assert.deepEqual(await readdir(out), []);
});

test('the plan estimates tokens, cost and size close to what is then written', async () => {
  const ds = await makeDataset(['a', 'b', 'c'], 12, 200, 11);
  const plan = await planPreparation(ds, { epochs: 3, pricePerMillion: 4 });
  assert.equal(plan.estimate.train.examples, 30);
  assert.equal(plan.estimate.train.trainTokens, plan.estimate.train.dataTokens * 3);
  const out = await tempDir();
  const r = await prepareTrainingData(ds, { epochs: 3, pricePerMillion: 4 }, out, { plan });
  const ratio = plan.estimate.trainBytes / r.estimate.trainBytes;
  assert.ok(ratio > 0.8 && ratio < 1.25, `size estimate off by ${ratio}`);
  assert.equal(r.estimate.train.dataTokens, plan.estimate.train.dataTokens);
});
