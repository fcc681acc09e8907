// A run appears whole or not at all: a failed fill, a full disk or a cancellation leaves the old run
// (or nothing); --overwrite replaces all of it; files that are not a run's are never thrown away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { writeFolderAtomic } from '../../../src/core/fsutil/atomicFolder';
import { AtomicFileWriter, writeFileAtomic } from '../../../src/core/fsutil/atomicWrite';
import { UserError } from '../../../src/core/errors';
import { prepareTrainingData } from '../../../src/core/training/prepareTrainingData';
import { isRunFileName } from '../../../src/core/training/runOutputs';
import { makeDataset, tempDir } from '../training/trainingFixtures';
import { fillFilesystem, withSmallFilesystem } from '../support/smallFilesystem';

const run = { replaceable: isRunFileName };

test('a failed fill leaves the target as it was and no staging folder', async () => {
  const base = await tempDir();
  const target = join(base, 'run');
  await mkdir(target);
  await writeFile(join(target, 'manifest.json'), 'old');
  await assert.rejects(
    writeFolderAtomic(target, async (stage) => {
      await writeFile(join(stage, 'train.jsonl'), 'new');
      throw new Error('boom');
    }, { ...run, replace: true }),
    /boom/,
  );
  assert.deepEqual(await readdir(base), ['run']);
  assert.deepEqual(await readdir(target), ['manifest.json']);
  assert.equal(await readFile(join(target, 'manifest.json'), 'utf8'), 'old');
});

test('the first run of a dataset is written where its parent folder does not exist yet', async () => {
  const base = await tempDir();
  const target = join(base, '.pixtune', 'aid', 'run1');
  await writeFolderAtomic(target, (stage) => writeFile(join(stage, 'train.jsonl'), 'x'), run);
  assert.deepEqual(await readdir(target), ['train.jsonl']);
  assert.deepEqual(await readdir(join(base, '.pixtune', 'aid')), ['run1']);
});

test('replace swaps the whole run: files the new run does not write are gone', async () => {
  const base = await tempDir();
  const target = join(base, 'run');
  await mkdir(target);
  for (const n of ['train.part-001.jsonl', 'train.part-002.jsonl', 'manifest.json', 'job.json']) await writeFile(join(target, n), 'old');
  await assert.rejects(writeFolderAtomic(target, async () => 1, run), (e: unknown) => e instanceof UserError && /already holds a run/.test(e.message));
  await writeFolderAtomic(target, async (stage) => writeFile(join(stage, 'train.jsonl'), 'new'), { ...run, replace: true });
  assert.deepEqual((await readdir(target)).sort(), ['train.jsonl']);
  assert.deepEqual(await readdir(base), ['run'], 'no staging or replaced folder left');
});

test('a folder with files that are not a run is refused and untouched, even with replace', async () => {
  const base = await tempDir();
  await writeFile(join(base, 'thesis.docx'), 'precious');
  let filled = false;
  await assert.rejects(
    writeFolderAtomic(base, async () => (filled = true), { ...run, replace: true }),
    (e: unknown) => e instanceof UserError && /thesis\.docx/.test(e.message),
  );
  assert.equal(filled, false, 'refused before any work');
  assert.equal(await readFile(join(base, 'thesis.docx'), 'utf8'), 'precious');
});

test('staging folders of a process that died are removed by the next write', async () => {
  const base = await tempDir();
  const child = spawn(process.execPath, ['-e', '0']);
  const deadPid = await new Promise<number>((r) => child.once('exit', () => r(child.pid!)));
  const abandoned = join(base, `.run.staging-${deadPid}-abc123`);
  await mkdir(abandoned);
  await writeFile(join(abandoned, 'train.jsonl'), 'half');
  await writeFolderAtomic(join(base, 'run'), async (stage) => writeFile(join(stage, 'manifest.json'), '{}'), run);
  assert.deepEqual(await readdir(base), ['run']);
});

test('writeFileAtomic never writes in place: the target is a new file, and a failed write keeps the old one', async (t) => {
  const dir = await tempDir();
  const target = join(dir, 'out.json');
  await writeFile(target, 'old');
  const before = (await stat(target)).ino;
  await writeFileAtomic(target, 'new');
  assert.notEqual((await stat(target)).ino, before, 'an in-place write keeps the inode');
  await withSmallFilesystem(t, 256 * 1024, async (small) => {
    const file = join(small, 'settings.json');
    await writeFile(file, 'previous');
    await fillFilesystem(small, 8 * 1024);
    await assert.rejects(writeFileAtomic(file, Buffer.alloc(512 * 1024, 0x61)), (e: unknown) => e instanceof UserError && /disk is full/.test(e.message));
    assert.equal(await readFile(file, 'utf8'), 'previous');
    assert.deepEqual((await readdir(small)).sort(), ['filler.bin', 'settings.json']);
  });
});

test('AtomicFileWriter on a full disk: "disk is full", not a stream error, and no temp file', async (t) => {
  await withSmallFilesystem(t, 256 * 1024, async (small) => {
    const w = await AtomicFileWriter.open(join(small, 'train.jsonl'));
    const err = await (async () => {
      try {
        for (let i = 0; i < 64; i++) await w.write(Buffer.alloc(16 * 1024, 0x62));
        await w.commit();
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof UserError && /disk is full/.test(err.message), String(err));
    await w.abort();
    assert.deepEqual(await readdir(small), []);
  });
});

test('prepare on a full disk: disk full reported as such; no JSONL without manifest; an overwritten run survives whole', { timeout: 120_000 }, async (t) => {
  const ds = await makeDataset(['a', 'b'], 12, 160, 3);
  await withSmallFilesystem(t, 1024 * 1024, async (small) => {
    const out = join(small, 'run');
    await mkdir(out);
    await writeFile(join(out, 'manifest.json'), '{"old":true}');
    await writeFile(join(out, 'train.jsonl'), 'old\n');
    await fillFilesystem(small, 64 * 1024);
    await assert.rejects(
      prepareTrainingData(ds, { image: { format: 'png' } }, out, { replace: true }),
      (e: unknown) => e instanceof UserError && /^The disk is full/.test(e.message),
    );
    assert.deepEqual((await readdir(out)).sort(), ['manifest.json', 'train.jsonl']);
    assert.equal(await readFile(join(out, 'manifest.json'), 'utf8'), '{"old":true}');
    assert.deepEqual((await readdir(small)).sort(), ['filler.bin', 'run'], 'no staging folder, no temp file');
  });
});
