// The one test command (`npm test`): build, type-check, then node:test over unit, e2e and integration suites.
// Node 20's --test does not glob TypeScript files, so we list them here.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const only = ['--unit', '--e2e', '--integration'].filter((a) => args.includes(a));
const suites = only.length ? only.map((a) => a.slice(2)) : ['unit', 'integration', 'e2e'];

function run(cmd, cmdArgs, extraEnv = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// On a fresh machine `npm test` alone must work: install the npm dependencies, and before the suites that
// drive a real VS Code, code-server + Chromium (scripts/setup-e2e.sh is cached and idempotent: ~1 s when set up).
if (!existsSync('node_modules/esbuild') || !existsSync('node_modules/sharp')) run('npm', ['ci', '--no-audit', '--no-fund']);
if (suites.some((s) => s !== 'unit') && !process.env.PIXTUNE_SKIP_SETUP) run('bash', ['scripts/setup-e2e.sh']);

if (!args.includes('--no-build')) {
  run('node', ['esbuild.js']);
  run('npx', ['tsc', '--noEmit', '-p', '.']);
}
for (const suite of suites) {
  const files = testFiles(join('test', suite));
  if (!files.length) continue;
  console.log(`\n== ${suite} tests (${files.length} files) ==`);
  // e2e drives one code-server + Chromium at a time: run those files serially.
  const concurrency = suite === 'unit' ? ['--test-concurrency=2'] : ['--test-concurrency=1'];
  run('node', ['--import', 'tsx', '--test', ...concurrency, '--test-reporter=spec', ...files]);
}
