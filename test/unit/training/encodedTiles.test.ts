import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbortError } from '../../../src/core/errors';
import { encodeAndPlan } from '../../../src/core/training/encodedTiles';
import { prepareTrainingData } from '../../../src/core/training/prepareTrainingData';
import { makeDataset, tempDir } from './trainingFixtures';

async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

function assertSameFiles(a: Record<string, Buffer>, b: Record<string, Buffer>): void {
  assert.deepEqual(Object.keys(a), Object.keys(b));
  for (const name of Object.keys(a)) assert.ok(a[name]!.equals(b[name]!), `${name} differs`);
}

test('encodeAndPlan then write: the same files as a one-pass run, without reading any image again', async () => {
  const ds = await makeDataset(['a', 'b', 'c'], 6, 90, 21);
  const opts = { split: { train: 0.5, validation: 0.25, test: 0.25 } };
  const onePass = await tempDir();
  await prepareTrainingData(ds, opts, onePass);

  const scratch = await tempDir();
  const { plan, tiles } = await encodeAndPlan(ds, opts, scratch);
  try {
    assert.equal(plan.images.length, 18);
    // The images are gone: whatever is written now can only come from the tiles.
    await rm(ds.root, { recursive: true, force: true });
    const out = await tempDir();
    await prepareTrainingData(ds, opts, out, { tiles, plan });
    assertSameFiles(await filesOf(out), await filesOf(onePass));
  } finally {
    await tiles.dispose();
  }
  assert.deepEqual(await readdir(scratch), [], 'the spool is removed on dispose');
});

test('tiles serve a changed plan (drop duplicates, parts) and are ignored for other image options', async () => {
  const ds = await makeDataset(['a', 'b'], 6, 80, 5);
  // A duplicate across classes, so dropping duplicates changes the split.
  await copyFile(join(ds.root, ds.classes[0]!.images[0]!.path), join(ds.root, ds.classes[1]!.images[1]!.path));
  const base = { split: { train: 0.5, validation: 0, test: 0.5 } };
  const { plan, tiles } = await encodeAndPlan(ds, base, await tempDir());
  try {
    assert.ok(plan.duplicates.some((d) => d.crossClass), 'the planted duplicate is found');
    for (const changed of [{ ...base, dropDuplicates: true }, { ...base, maxFileBytes: 20_000 }, { ...base, image: { format: 'png' as const } }]) {
      const fromTiles = await tempDir();
      const fresh = await tempDir();
      await prepareTrainingData(ds, changed, fromTiles, { tiles });
      await prepareTrainingData(ds, changed, fresh);
      assertSameFiles(await filesOf(fromTiles), await filesOf(fresh));
    }
    const png = JSON.parse((await readFile(join(await writeOnce(ds, { ...base, image: { format: 'png' } }, tiles), 'train.jsonl'), 'utf8')).split('\n')[0]!);
    assert.match(JSON.stringify(png), /data:image\/png;base64,/, 'other image options were encoded afresh, not taken from the JPEG tiles');
  } finally {
    await tiles.dispose();
  }
});

async function writeOnce(ds: Awaited<ReturnType<typeof makeDataset>>, opts: object, tiles: Awaited<ReturnType<typeof encodeAndPlan>>['tiles']): Promise<string> {
  const out = await tempDir();
  await prepareTrainingData(ds, opts, out, { tiles });
  return out;
}

test('cancelling while encoding leaves no spool behind', async () => {
  const ds = await makeDataset(['a', 'b'], 12, 96, 9);
  const scratch = await tempDir();
  await writeFile(join(scratch, 'keep.txt'), 'unrelated');
  const controller = new AbortController();
  await assert.rejects(
    encodeAndPlan(ds, {}, scratch, { signal: controller.signal, concurrency: 2, onProgress: (p) => p.done === 4 && controller.abort() }),
    (err: unknown) => isAbortError(err),
  );
  assert.deepEqual(await readdir(scratch), ['keep.txt']);
});

test('a spool left by a process that died is removed by the next run; a live process keeps its own', async () => {
  const ds = await makeDataset(['a', 'b'], 2, 48, 3);
  const scratch = await tempDir();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const abandoned = `.pixtune-spool.${dead}.0badc0de.tmp`;
  const live = `.pixtune-spool.${process.ppid}.0badc0de.tmp`;
  await writeFile(join(scratch, abandoned), 'x'.repeat(1000));
  await writeFile(join(scratch, live), 'y');
  const { tiles } = await encodeAndPlan(ds, {}, scratch);
  await tiles.dispose();
  assert.deepEqual(await readdir(scratch), [live]);
});
