// The CLI contract of `scan`: JSON shape, exit codes, and --check reporting broken images.
// Spawns the built CLI (`node dist/cli.js`; `npm run test:unit` builds first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanSummarySchema } from '../../../src/core/dataset/types';
import { generateProblemDataset, HOSTILE_CLASS } from '../../fixtures/generateProblemDataset';
import { generateDataset } from '../../fixtures/generateDataset';

const cli = (...args: string[]) => spawnSync('node', ['dist/cli.js', ...args], { encoding: 'utf8' });
let dir: string;
test.before(async () => {
  assert.ok(existsSync('dist/cli.js'), 'dist/cli.js is missing: run `node esbuild.js` first');
  dir = await mkdtemp(join(tmpdir(), 'pixtune-scancli-'));
});
test.after(() => rm(dir, { recursive: true, force: true }));

test('scan --json prints the documented shape and exits 0 on a usable dataset', async () => {
  const { root } = await generateDataset(join(dir, 'clean'), { classes: ['a', 'b'], perClass: 3, size: 16 });
  const r = cli('scan', root, '--json');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json, { root, classes: [{ name: 'a', count: 3 }, { name: 'b', count: 3 }], total: 6, skipped: [], problems: [] });
  const withImages = JSON.parse(cli('scan', root, '--json', '--images').stdout);
  assert.deepEqual(withImages.classes[0].images, ['a/a_001.jpg', 'a/a_002.jpg', 'a/a_003.jpg']);
  const checked = cli('scan', root, '--json', '--check');
  assert.equal(checked.status, 0, checked.stderr);
  assert.deepEqual(JSON.parse(checked.stdout).health, { checked: 6, ok: 6, unusable: 0, byKind: {}, usualSize: { width: 16, height: 16, share: 1 } });
  assert.equal(checked.stderr, '', 'no progress line when stderr is not a terminal');
});

test('scan --check reports broken images with reasons and exits 1', async () => {
  await generateProblemDataset(join(dir, 'bad'));
  const root = join(dir, 'bad');
  const r = cli('scan', root, '--check', '--json');
  assert.equal(r.status, 1);
  const json = JSON.parse(r.stdout);
  assert.doesNotThrow(() => scanSummarySchema.parse(json));
  const byPath = Object.fromEntries(json.problems.filter((p: { path?: string }) => p.path).map((p: { path: string; kind: string }) => [p.path, p.kind]));
  assert.equal(byPath['broken/corrupt.jpg'], 'corrupt');
  assert.equal(byPath['broken/truncated.jpg'], 'truncated');
  assert.equal(byPath['broken/empty.jpg'], 'zero-byte');
  assert.equal(byPath['broken/animated.png'], 'unsupported');
  assert.equal(byPath['broken/bomb.png'], 'oversized');
  assert.equal(byPath['single'], 'tiny-class'); // scan problems stay alongside the health ones
  assert.equal(json.health.checked, json.total);
  assert.equal(json.health.unusable, 5);
  assert.deepEqual(json.health.byKind, { corrupt: 1, truncated: 1, 'zero-byte': 1, unsupported: 1, oversized: 1, 'unusual-size': 3 }); // odd size, a 128×128 and the rotated 32×64

  const human = cli('scan', root);
  assert.equal(human.status, 0, 'without --check the problems are warnings');
  assert.match(human.stdout, /\[tiny-class\] Class "single" has only 1 image/);
  assert.match(human.stdout, /broken\/notes\.txt: not a supported image type \(\.txt\)/);
  assert.match(human.stdout, /^ {2}good +7 +\d+\.\d%$/m);
  assert.ok(human.stdout.includes(`  ${HOSTILE_CLASS} `), 'names are printed as they are');
  const humanCheck = cli('scan', root, '--check');
  assert.equal(humanCheck.status, 1);
  assert.match(humanCheck.stdout, /\[truncated\] broken\/truncated\.jpg is truncated/);
  assert.match(humanCheck.stdout, /Health check: \d+ images decoded in [\d.]+ s, \d+ fine, 5 unusable\. Usual size 64×64\./);
});

test('--no-nested leaves sub-folders out and lists them as skipped', async () => {
  const root = join(dir, 'nested');
  await generateDataset(root, { classes: ['a', 'b'], perClass: 2, size: 16 });
  await mkdir(join(root, 'a', 'sub'), { recursive: true });
  await writeFile(join(root, 'a', 'sub', 'x.jpg'), 'not decoded by a plain scan');
  const on = JSON.parse(cli('scan', root, '--json').stdout);
  const off = JSON.parse(cli('scan', root, '--json', '--no-nested').stdout);
  assert.deepEqual([on.total, off.total], [5, 4]);
  assert.deepEqual(off.skipped, [{ path: 'a/sub', reason: 'nested folder (nested folders are turned off)' }]);
});

test('control characters in names do not reach the terminal raw', async () => {
  const root = join(dir, 'ctrl');
  const evil = 'red\u001b[31malert\u0007';
  await generateDataset(root, { classes: [evil, 'plain'], perClass: 2, size: 16 });
  const human = cli('scan', root);
  assert.equal(human.status, 0);
  assert.ok(!human.stdout.includes('\u001b') && !human.stdout.includes('\u0007'));
  assert.ok(human.stdout.includes('red\\u001b[31malert\\u0007'));
  // JSON keeps the exact name
  assert.ok(JSON.parse(cli('scan', root, '--json').stdout).classes.some((c: { name: string }) => c.name === evil));
});

test('bad usage exits 2; a missing folder or one without images exits 1', async () => {
  assert.equal(cli('scan').status, 2);
  assert.equal(cli('scan', 'a', 'b').status, 2);
  assert.equal(cli('scan', '--bogus', 'x').status, 2);
  assert.equal(cli('scan', dir, '--concurrency', 'lots').status, 2);
  const help = cli('scan', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Exit codes:/);
  const missing = cli('scan', join(dir, 'missing'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /does not exist/);
  const empty = join(dir, 'no-images');
  await mkdir(join(empty, 'a'), { recursive: true });
  const r = cli('scan', empty, '--json');
  assert.equal(r.status, 1);
  assert.equal(JSON.parse(r.stdout).total, 0, 'the JSON document is still printed');
  assert.match(r.stderr, /No images found in class folders/);
});

test('class names are aligned by terminal width, wide characters included', async () => {
  const { displayWidth } = await import('../../../src/cli/scan');
  assert.deepEqual([displayWidth('abc'), displayWidth('森林'), displayWidth('Forêt'), displayWidth('e\u0301'), displayWidth('😀')], [3, 4, 5, 1, 2]);
  const root = join(dir, 'wide');
  await generateDataset(root, { classes: ['森林', 'forest'], perClass: 2, size: 16 });
  const rows = cli('scan', root).stdout.split('\n').filter((l) => / {2}\d+\.\d%$/.test(l));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((l) => displayWidth(l)), [displayWidth(rows[0]!), displayWidth(rows[0]!)]);
});
