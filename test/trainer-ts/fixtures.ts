// The project's trainer environment and the trainer engineer's own builders (test/trainer/tiny_models.py,
// test/trainer/toy_dataset.py) for the TypeScript-side tests of the Ray and local backends: a toy red/blue
// run in our JSONL format and a tiny randomly initialised Mistral3 model with a real Mistral tokenizer.
// Without the environment these tests fail with the command to run, they do not skip.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The checkout: the folder above test/ (found from this file, whatever the loader makes of __dirname). */
export const REPO = ((): string => {
  let dir = resolve(__dirname);
  while (!existsSync(join(dir, 'scripts', 'setup-python.sh')) && dirname(dir) !== dir) dir = dirname(dir);
  return existsSync(join(dir, 'scripts', 'setup-python.sh')) ? dir : process.cwd();
})();
export const TRAINER_ROOT = join(REPO, 'src', 'trainer');
const TRAINER_TESTS = join(REPO, 'test', 'trainer');

let pythonPromise: Promise<string> | undefined;

/** The managed environment's interpreter (scripts/setup-python.sh --check: nothing is installed here). */
export function projectPython(): Promise<string> {
  pythonPromise ??= run('bash', [join(REPO, 'scripts', 'setup-python.sh'), '--check'], { cwd: REPO }).then(
    ({ stdout }) => stdout.trim().split('\n').pop()!,
    (err: { stderr?: string }) => {
      throw new Error(`The trainer environment is not set up: run "bash scripts/setup-python.sh" (npm test does it for the trainer suite), then run these tests again.\n${err.stderr ?? String(err)}`);
    },
  );
  return pythonPromise;
}

/** A toy run folder (train.jsonl, validation.jsonl, test.batch.jsonl, labels.json). */
export async function makeToyRun(dir: string, counts = { train: 8, validation: 2, test: 4 }): Promise<string> {
  const python = await projectPython();
  const code = `import sys; from pathlib import Path; sys.path.insert(0, ${JSON.stringify(TRAINER_TESTS)}); from toy_dataset import write_toy_run; write_toy_run(Path(sys.argv[1]), train=${counts.train}, validation=${counts.validation}, test=${counts.test})`;
  await run(python, ['-c', code, dir], { cwd: REPO });
  return dir;
}

/** A tiny Mistral3 model folder (config, random weights, tekken.json). */
export async function makeTinyModel(dir: string): Promise<string> {
  const python = await projectPython();
  await run(python, [join(TRAINER_TESTS, 'tiny_models.py'), dir, 'mistral3'], { cwd: REPO, env: { ...process.env, PYTHONPATH: TRAINER_TESTS } });
  return dir;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds (durable state, not a fixed sleep); fails with the last value after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
    await sleep(500);
  }
}

/** The CLI entry (src/cli.ts, what dist/cli.js bundles) in a child process, as a script runs it: exit code and output. */
export function runCli(env: NodeJS.ProcessEnv, args: string[], timeoutMs = 240_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), ...args], { cwd: REPO, env, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
