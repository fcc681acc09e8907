// The CLI contract of `scan`: JSON shape, exit codes, and --check reporting broken images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProblemDataset } from '../../fixtures/generateProblemDataset';
import { generateDataset } from '../../fixtures/generateDataset';

const cli = (...args: string[]) => spawnSync('node', ['dist/cli.js', ...args], { encoding: 'utf8' });
let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixtune-scancli-'));
});
test.after(() => rm(dir, { recursive: true, force: true }));

test('scan --json prints the documented shape and exits 0 on a usable dataset', async () => {
  const { root } = await generateDataset(join(dir, 'clean'), { classes: ['a', 'b'], perClass: 3, size: 16 });
  const r = cli('scan', root, '--json');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json, { root, classes: [{ name: 'a', count: 3 }, { name: 'b', count: 3 }], total: 6, skipped: [], problems: [] });
});

test('scan --check reports broken images with reasons and exits 1', async () => {
  const fx = await generateProblemDataset(join(dir, 'bad'));
  const r = cli('scan', fx.root, '--check', '--json');
  assert.equal(r.status, 1);
  const json = JSON.parse(r.stdout);
  const byPath = Object.fromEntries(json.problems.filter((p: { path?: string }) => p.path).map((p: { path: string; kind: string }) => [p.path, p.kind]));
  assert.equal(byPath['broken/corrupt.jpg'], 'corrupt');
  assert.equal(byPath['broken/empty.jpg'], 'zero-byte');
  assert.equal(byPath['broken/bomb.png'], 'oversized');
  assert.equal(json.health.checked, json.total);
  const human = cli('scan', fx.root);
  assert.equal(human.status, 0);
  assert.match(human.stdout, /\[tiny-class\] Class "single" has only 1 image/);
  assert.match(human.stdout, /broken\/notes\.txt: not a supported image type \(\.txt\)/);
});

test('bad usage exits 2, a missing folder exits 1', () => {
  assert.equal(cli('scan').status, 2);
  assert.equal(cli('scan', 'a', 'b').status, 2);
  assert.equal(cli('scan', '--bogus', 'x').status, 2);
  const missing = cli('scan', join(dir, 'missing'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /does not exist/);
});
