// The one test command (`npm test`): build, type-check, then node:test over unit, e2e and integration suites.
// Node 20's --test does not glob TypeScript files, so we list them here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const only = ['--unit', '--trainer', '--e2e', '--integration'].filter((a) => args.includes(a));
const suites = only.length ? only.map((a) => a.slice(2)) : ['unit', 'trainer', 'integration', 'e2e'];
// Where each suite's node:test files are. trainer: the TypeScript side of training (a real local Ray head and the
// real trainer on a tiny model) in test/trainer-ts; it needs the trainer's Python environment, set up first.
const SUITE_DIRS = { trainer: join('test', 'trainer-ts') };

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
if (suites.some((s) => s === 'e2e' || s === 'integration') && !process.env.PIXTUNE_SKIP_SETUP) run('bash', ['scripts/setup-e2e.sh']);
// The trainer's Python environment (cached; a fresh install takes minutes). Its tests fail, not skip, without it.
// (e2e too: its training test runs the real trainer on a tiny model.)
// --dev with the trainer suite: its pytest and ruff (requirements-dev.txt), which users' environments do not get.
if (suites.some((s) => s === 'trainer' || s === 'e2e') && !process.env.PIXTUNE_SKIP_SETUP) run('bash', ['scripts/setup-python.sh', ...(suites.includes('trainer') ? ['--dev'] : [])]);

if (!args.includes('--no-build')) {
  run('node', ['esbuild.js']);
  run('npx', ['tsc', '--noEmit', '-p', '.']);
}
// The Python trainer's own suite (test/trainer, pytest on tiny models) with the managed venv's interpreter, ruff
// first. Any non-zero exit fails, pytest's 5 ("no tests collected") included.
function runTrainerPytest() {
  const setup = spawnSync('bash', ['scripts/setup-python.sh', '--dev', '--print-python'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
  const python = setup.stdout.trim().split('\n').pop();
  console.log('\n== trainer pytest (test/trainer) ==');
  run(python, ['-m', 'ruff', 'check', '--config', 'src/trainer/ruff.toml', 'src/trainer', 'test/trainer']);
  // A temp root of this run's own: pytest's default /tmp/pytest-of-<user> keeps only the newest three sessions, so a
  // second pytest on the machine (another checkout's tests) would delete this one's fixtures under it.
  const basetemp = mkdtempSync(join(tmpdir(), 'pixtune-pytest-'));
  try {
    run(python, ['-m', 'pytest', 'test/trainer', '-q', '--durations=5', `--basetemp=${basetemp}`]);
  } finally {
    rmSync(basetemp, { recursive: true, force: true });
  }
}

for (const suite of suites) {
  if (suite === 'trainer') runTrainerPytest();
  const dir = SUITE_DIRS[suite] ?? join('test', suite);
  const files = existsSync(dir) ? testFiles(dir) : [];
  if (!files.length) continue;
  console.log(`\n== ${suite} tests (${files.length} files) ==`);
  // e2e drives one code-server + Chromium at a time, trainer one Ray head or trainer at a time: run those serially.
  const concurrency = suite === 'unit' ? ['--test-concurrency=2'] : ['--test-concurrency=1'];
  run('node', ['--import', 'tsx', '--test', ...concurrency, '--test-reporter=spec', ...files]);
}
