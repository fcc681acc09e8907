// The CLI as scripts and shells use it: signals, a reader that goes away, and --json errors.
// Spawns the built CLI (`node dist/cli.js`; `npm run test:unit` builds first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { tempDir } from '../training/trainingFixtures';

const cli = (...args: string[]) => spawnSync('node', ['dist/cli.js', ...args], { encoding: 'utf8', env: { ...process.env, MISTRAL_API_KEY: '' } });

test.before(() => {
  assert.ok(existsSync('dist/cli.js'), 'dist/cli.js is missing: run `node esbuild.js` first');
});

/**
 * 4000×4000 PNGs of one colour: about 50 kB each on disk and quick to make, yet every one must be
 * inflated in full (PNG has no shrink-on-load), so a signal lands while prepare is still encoding.
 */
async function slowDataset(perClass: number): Promise<string> {
  const root = await tempDir('pixtune-cli-slow-');
  const png = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#406080' } }).png({ compressionLevel: 9 }).toBuffer();
  for (const name of ['a', 'b']) {
    await mkdir(join(root, name));
    for (let i = 0; i < perClass; i++) await writeFile(join(root, name, `${name}_${i}.png`), png);
  }
  return root;
}

test('SIGTERM during prepare: the spool is removed, "Cancelled." is said, exit 143 (128 + SIGTERM)', async () => {
  const root = await slowDataset(30);
  const out = join(await tempDir(), 'run');
  const child = spawn('node', ['dist/cli.js', 'prepare', root, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  // Wait until the run has really started writing its scratch spool, then stop it as a service manager would.
  const deadline = Date.now() + 30_000;
  // The run is written into a staging folder beside --out (renamed into place at the end); the spool is in it.
  const staging = async () => (await readdir(dirname(out))).filter((f) => f.startsWith('.run.staging-')).map((f) => join(dirname(out), f));
  const spoolNow = async () => (await Promise.all((await staging()).map(async (d) => (await readdir(d).catch(() => [] as string[])).filter((f) => f.startsWith('.pixtune-spool.'))))).flat();
  while ((await spoolNow()).length === 0) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `no spool appeared; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 143, stderr);
  assert.match(stderr, /Cancelled\./);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(await spoolNow(), [], 'the hidden spool is gone');
  assert.deepEqual(await staging(), [], 'and so is the staging folder');
  assert.deepEqual(await readdir(dirname(out)), [], 'nothing appeared at --out');
});

test('a reader that closes early (| head): output stops quietly, no EPIPE stack trace', async () => {
  const dir = await tempDir();
  const file = join(dir, 'bad.jsonl');
  // Thousands of errors in --json: far more than a pipe buffer, so writing must hit the closed pipe.
  await writeFile(file, 'nope\n'.repeat(20_000));
  const r = spawnSync('sh', ['-c', `node dist/cli.js validate "${file}" --json --max-errors 100000 | head -c 1`], { encoding: 'utf8' });
  assert.equal(r.stdout, '{');
  assert.equal(r.stderr, '', 'nothing on stderr');
  // A reader that reads nothing at all.
  const none = spawnSync('sh', ['-c', `node dist/cli.js validate "${file}" --json --max-errors 100000 | true`], { encoding: 'utf8' });
  assert.equal(none.stderr, '');
});

test('--json: errors of every command are one JSON object on stdout, with the usual exit codes', async () => {
  const dir = await tempDir();
  const cases: { args: string[]; code: number; kind: string; message: RegExp }[] = [
    { args: ['scan', join(dir, 'missing'), '--json'], code: 1, kind: 'user', message: /does not exist/ },
    { args: ['prepare', join(dir, 'missing'), '--out', join(dir, 'out'), '--json'], code: 1, kind: 'user', message: /does not exist/ },
    { args: ['validate', join(dir, 'missing.jsonl'), '--json'], code: 1, kind: 'user', message: /Cannot read/ },
    { args: ['validate', '--json'], code: 2, kind: 'usage', message: /Missing the JSONL file/ },
    { args: ['validate', 'x.jsonl', '--json', '--kind', 'nope'], code: 2, kind: 'usage', message: /--kind must be/ },
    { args: ['jobs', 'list', '--json'], code: 1, kind: 'user', message: /MISTRAL_API_KEY/ },
    { args: ['scan', '--json', '--bogus'], code: 2, kind: 'usage', message: /Unknown option '--bogus'/ },
    { args: ['bogus', '--json'], code: 2, kind: 'usage', message: /Unknown command "bogus"/ },
  ];
  for (const c of cases) {
    const r = cli(...c.args);
    const what = c.args.join(' ');
    assert.equal(r.status, c.code, `${what}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, '', `${what}: nothing on stderr`);
    const json = JSON.parse(r.stdout) as { error: { message: string; hint?: string; kind: string } };
    assert.deepEqual(Object.keys(json), ['error'], what);
    assert.equal(json.error.kind, c.kind, what);
    assert.match(json.error.message, c.message, what);
  }
  const withHint = JSON.parse(cli('scan', join(dir, 'missing'), '--json').stdout);
  assert.equal(typeof withHint.error.hint, 'string', 'the action to take travels as "hint"');
});

test('without --json the same errors stay plain text on stderr', async () => {
  const dir = await tempDir();
  const r = cli('validate', join(dir, 'missing.jsonl'));
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `Cannot read ${join(dir, 'missing.jsonl')}. Check the path of the JSONL file.\n`);
  const usage = cli('validate');
  assert.equal(usage.status, 2);
  assert.equal(usage.stderr, 'Missing the JSONL file to validate.\nRun "pixtune validate --help" for usage.\n');
  // "--json" after "--" is a file name, not the option.
  const positional = cli('validate', '--', '--json');
  assert.equal(positional.status, 1);
  assert.match(positional.stderr, /Cannot read --json\./);
});
