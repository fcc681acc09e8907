import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '../../../src/core/training/reportMarkdown';
import { estimateCost } from '../../../src/core/training/estimateTokens';
import type { Manifest } from '../../../src/core/training/manifest';
import { parseOwnEstimate, readOwnEstimate } from '../../../src/core/jobs/ownEstimate';
import { findRunFiles, runDisplayName } from '../../../src/core/jobs/runFolderFiles';
import { parseJobLinks, readRunJobFile, recordJobInRunFolder, type JobLink } from '../../../src/core/jobs/jobLinks';
import { scaleEstimate } from '../../../src/core/jobs/jobDetailsModel';
import { UserError } from '../../../src/core/errors';

async function tempRun(): Promise<{ base: string; runDir: string }> {
  const base = await mkdtemp(join(tmpdir(), 'pixtune-jobs-'));
  const runDir = join(base, '.pixtune', 'aid', '2026-11-29_041200_s42');
  await mkdir(runDir, { recursive: true });
  return { base, runDir };
}

test('our estimate is read back from the report the training pipeline writes', () => {
  // Rendered by the real report writer, so a change of its wording fails here rather than silently.
  const manifest = {
    tool: { name: 'pixtune', version: '0.1.0' },
    datasetRoot: '/data/aid',
    classes: ['forest', 'river'],
    options: {},
    prompt: { name: 'short', system: 'Classify.', user: '', assistant: '{label}' },
    files: [{ name: 'train.jsonl', kind: 'finetune', split: 'train', bytes: 1000, lines: 8000 }],
    images: [],
    skipped: [],
    duplicates: [],
    warnings: [],
  } as unknown as Manifest;
  const train = { ...estimateCost(4_468_728, 2, 2), examples: 8000 };
  const md = renderReport(manifest, [{ class: 'forest', total: 10, train: 8, validation: 1, test: 1 }], {
    train,
    validationTokens: 1000,
    testTokens: 2000,
    tokensPerExample: 559,
    trainBytes: 1,
    validationBytes: 1,
    testBytes: 1,
  });
  const est = parseOwnEstimate(md);
  assert.deepEqual(est, { examples: 8000, dataTokens: 4_468_728, epochs: 2, cost: 17.87, pricePerMillion: 2 });
  // The user may pick another epoch count: the estimate scales with it.
  assert.deepEqual(scaleEstimate(est!, 3), { trainTokens: 13_406_184, cost: 26.81 });
  assert.equal(parseOwnEstimate('# Training data report\nnothing here'), undefined);
});

test('a run folder without a manifest falls back to train.jsonl / validation.jsonl', async () => {
  const { base, runDir } = await tempRun();
  try {
    await assert.rejects(findRunFiles(runDir), (e: unknown) => e instanceof UserError && /no training file/.test(e.message));
    await writeFile(join(runDir, 'train.jsonl'), '{}\n');
    let files = await findRunFiles(runDir);
    assert.deepEqual([files.training, files.validation], [[join(runDir, 'train.jsonl')], []]);
    assert.equal(files.runName, 'aid/2026-11-29_041200_s42');
    await writeFile(join(runDir, 'validation.jsonl'), '{}\n');
    files = await findRunFiles(runDir);
    assert.deepEqual(files.validation, [join(runDir, 'validation.jsonl')]);
    assert.equal(await readOwnEstimate(runDir), undefined, 'no report.md: no estimate, no error');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('a manifest listing sharded training parts is followed (and the test batch is not a training file)', async () => {
  const { base, runDir } = await tempRun();
  try {
    const files = [
      { name: 'train.part-001.jsonl', kind: 'finetune', split: 'train', bytes: 10, lines: 3 },
      { name: 'train.part-002.jsonl', kind: 'finetune', split: 'train', bytes: 10, lines: 2 },
      { name: 'validation.jsonl', kind: 'finetune', split: 'validation', bytes: 10, lines: 1 },
      { name: 'test.batch.jsonl', kind: 'batch', split: 'test', bytes: 10, lines: 4 },
    ];
    for (const f of files) await writeFile(join(runDir, f.name), '{}\n');
    await writeFile(join(runDir, 'manifest.json'), JSON.stringify({ files }));
    const run = await findRunFiles(runDir);
    assert.deepEqual(run.training, [join(runDir, 'train.part-001.jsonl'), join(runDir, 'train.part-002.jsonl')]);
    assert.deepEqual(run.validation, [join(runDir, 'validation.jsonl')]);
    assert.equal(run.trainingLines, 5);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('job links are kept in job.json in the run folder, updated in place, and survive a bad entry', async () => {
  const { base, runDir } = await tempRun();
  try {
    const link: JobLink = { jobId: 'job-a', runDir, serverUrl: 'http://127.0.0.1:1', model: 'pixtral-12b-latest', createdAt: 1, lastStatus: 'QUEUED', uploadedFiles: [] };
    await recordJobInRunFolder(link);
    await recordJobInRunFolder({ ...link, jobId: 'job-b' });
    await recordJobInRunFolder({ ...link, lastStatus: 'SUCCESS', fineTunedModel: 'ft:x' });
    const file = await readRunJobFile(runDir);
    assert.deepEqual(file.jobs.map((j) => [j.jobId, j.lastStatus]), [['job-b', 'QUEUED'], ['job-a', 'SUCCESS']]);
    assert.match(await readFile(join(runDir, 'job.json'), 'utf8'), /"fineTunedModel": "ft:x"/);
    assert.equal(runDisplayName(runDir), 'aid/2026-11-29_041200_s42');
    // workspaceState may hold anything after an upgrade: broken entries are dropped, good ones kept.
    const parsed = parseJobLinks({ 'job-a': link, broken: { jobId: 3 } });
    assert.deepEqual(Object.keys(parsed), ['job-a']);
    assert.deepEqual(parseJobLinks(undefined), {});
    assert.deepEqual(parseJobLinks('nonsense'), {});
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('our estimate comes from the manifest a real prepare run writes', async () => {
  const { makeDataset, tempDir } = await import('../training/trainingFixtures');
  const { prepareTrainingData } = await import('../../../src/core/training/prepareTrainingData');
  const ds = await makeDataset(['forest', 'river'], 5, 32);
  const out = join(await tempDir(), 'run');
  const result = await prepareTrainingData(ds, { epochs: 3, pricePerMillion: 4 }, out);
  const est = await readOwnEstimate(out);
  const t = result.estimate.train;
  assert.deepEqual(est, { examples: t.examples, dataTokens: t.dataTokens, epochs: 3, pricePerMillion: 4, cost: t.cost });
  // Without a manifest estimate (older runs) the report is still read.
  const manifestPath = join(out, 'manifest.json');
  const m = JSON.parse(await readFile(manifestPath, 'utf8'));
  delete m.estimate;
  await writeFile(manifestPath, JSON.stringify(m));
  assert.equal((await readOwnEstimate(out))?.dataTokens, t.dataTokens);
});
