// Trainer throughput on this machine's CPUs: the real trainer (python -m pixtune_trainer train, the process the
// local backend starts) on the tiny Mistral3 model and the red/blue toy run, read back from its metrics.jsonl.
// Reports tokens/s (median over steps after the first, which pays for lazy initialisation), seconds per step,
// and the time from process start to the first metrics line (imports, tokenizer, model load). Needs the trainer
// environment (bash scripts/setup-python.sh); skips with a note when it is missing (--no-python skips it too).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTinyModel, makeToyRun, projectPython, TRAINER_ROOT } from '../test/trainer-ts/fixtures';

const STEPS = 24;

interface MetricsRow {
  step: number;
  tokens_per_second: number;
  elapsed_seconds: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function runTrainer(python: string, configFile: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(python, ['-m', 'pixtune_trainer', 'train', '--config', configFile], {
      cwd: TRAINER_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`trainer exited ${code}: ${stderr}`))));
  });
}

async function main(): Promise<void> {
  const python = process.argv.includes('--no-python') ? undefined : await projectPython().catch(() => undefined);
  if (!python) return console.log('skipped (--no-python, or no trainer environment: bash scripts/setup-python.sh)');
  const dir = await mkdtemp(join(tmpdir(), 'pixtune-bench-trainer-'));
  try {
    const [run, model] = await Promise.all([makeToyRun(join(dir, 'run'), { train: 48, validation: 2, test: 1 }), makeTinyModel(join(dir, 'model'))]);
    for (const batchSize of [1, 4]) {
      const out = join(dir, `out-${batchSize}`);
      const config = join(dir, `config-${batchSize}.json`);
      await writeFile(config, JSON.stringify({
        train_file: join(run, 'train.jsonl'), validation_file: null, base_model: model, output_dir: out,
        max_steps: STEPS, batch_size: batchSize, learning_rate: 0.02, checkpoint_every: 0,
      }));
      const started = performance.now();
      await runTrainer(python, config);
      const wall = (performance.now() - started) / 1000;
      const rows = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as MetricsRow);
      const steady = rows.slice(1);
      const perStep = (rows.at(-1)!.elapsed_seconds - rows[0]!.elapsed_seconds) / (rows.length - 1);
      const firstStepAt = wall - rows.at(-1)!.elapsed_seconds + rows[0]!.elapsed_seconds;
      console.log(
        `tiny Mistral3 on CPU, batch ${batchSize}: ${median(steady.map((r) => r.tokens_per_second)).toFixed(0)} tokens/s (median of ${steady.length} steps)` +
          ` · ${(perStep * 1000).toFixed(0)} ms/step · first step ${firstStepAt.toFixed(1)} s after start · ${wall.toFixed(1)} s for ${STEPS} steps`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
