// A manifest (or job link, or predictions file) cloned with a repository names files: only files
// inside the folder may be used — no "..", no absolute path, no symlink that points out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containedNameProblem, existingContainedPath, resolveContainedPath } from '../../../src/core/fsutil/containedPath';
import { findRunFiles } from '../../../src/core/jobs/runFolderFiles';
import { UserError } from '../../../src/core/errors';

async function withDirs(fn: (d: { base: string; run: string; secret: string }) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'pixtune-contained-'));
  try {
    const run = join(base, 'home', 'ds', '.pixtune', 'ds', 'run1');
    await mkdir(run, { recursive: true });
    const secret = join(base, 'home', 'id_rsa');
    await writeFile(secret, 'PRIVATE KEY');
    await fn({ base, run, secret });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

test('names that leave the folder are refused without touching the disk', () => {
  for (const n of ['../x', 'a/../../x', '/etc/passwd', 'C:\\x', '\\\\server\\x', '..', '', 'a\0b', './x']) assert.ok(containedNameProblem(n), n);
  assert.ok(containedNameProblem('sub/x.jsonl'), 'plain names only by default');
  assert.equal(containedNameProblem('sub/x.jsonl', { allowSubfolders: true }), undefined);
  assert.equal(containedNameProblem('train.part-001.jsonl'), undefined);
  assert.equal(containedNameProblem('..hidden.jsonl'), undefined, 'a name that starts with dots is still a name');
});

test('a symlink pointing out is refused; one pointing inside is followed; a missing file is undefined', async () => {
  await withDirs(async ({ run, secret }) => {
    await writeFile(join(run, 'train.jsonl'), '{}\n');
    await symlink(secret, join(run, 'evil.jsonl'));
    await symlink(join(run, 'train.jsonl'), join(run, 'alias.jsonl'));
    await assert.rejects(existingContainedPath(run, 'evil.jsonl'), (e: unknown) => e instanceof UserError && /points outside/.test(e.message));
    assert.match((await existingContainedPath(run, 'alias.jsonl'))!, /train\.jsonl$/);
    assert.equal(await existingContainedPath(run, 'nothing.jsonl'), undefined);
    await assert.rejects(resolveContainedPath(run, 'nothing.jsonl'), /does not exist/);
    await assert.rejects(existingContainedPath(run, '../../../../id_rsa'), /leads out of the folder/);
  });
});

test('a hostile manifest cannot make Launch Fine-Tuning pick a file outside the run folder', async () => {
  await withDirs(async ({ run, secret }) => {
    await writeFile(join(run, 'train.jsonl'), '{}\n');
    const manifest = (name: string) => JSON.stringify({ files: [{ name, kind: 'finetune', split: 'train', lines: 1 }] });
    await writeFile(join(run, 'manifest.json'), manifest('../../../../id_rsa'));
    await assert.rejects(findRunFiles(run), (e: unknown) => e instanceof UserError && /refused/.test(e.message) && !e.message.includes('PRIVATE'));
    await writeFile(join(run, 'manifest.json'), manifest(secret));
    await assert.rejects(findRunFiles(run), /absolute path/);
    await symlink(secret, join(run, 'train.part-001.jsonl'));
    await writeFile(join(run, 'manifest.json'), manifest('train.part-001.jsonl'));
    await assert.rejects(findRunFiles(run), /points outside/);
  });
});

test('a train.jsonl symlink to a file outside is refused also without a manifest', async () => {
  await withDirs(async ({ run, secret }) => {
    await symlink(secret, join(run, 'train.jsonl'));
    await assert.rejects(findRunFiles(run), /points outside/);
  });
});

test('a predictions file cannot name an image outside the dataset: the line is refused as a problem', async () => {
  const { readPredictions } = await import('../../../src/core/evaluation/predictionsFile');
  await withDirs(async ({ base }) => {
    const file = join(base, 'predictions.jsonl');
    const rec = (id: string, path: string) => JSON.stringify({ custom_id: id, path, truth: 'forest', predicted: 'forest', valid: true, raw: 'forest' });
    await writeFile(file, [rec('0', 'forest/a.jpg'), rec('1', '../../home/u/.ssh/id_rsa'), rec('2', '/etc/passwd')].join('\n') + '\n');
    const read = await readPredictions(file);
    assert.deepEqual(read.records.map((r) => r.custom_id), ['0']);
    assert.equal(read.problems.length, 2);
    assert.match(read.problems[0]!, /line 2: path "..\/..\/home\/u\/.ssh\/id_rsa" was refused: the name leads out of the folder/);
  });
});
