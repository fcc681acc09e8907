// The trainer's predict (base model + LoRA adapter over the run's test.batch.jsonl) on this machine or on a Ray
// cluster. It writes answers in the Mistral Batch API output format; the evaluation core imports that file
// (importPredictions), so labels are parsed by the same one parser as every other prediction.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../errors';
import { writeFileAtomic } from '../../fsutil/atomicWrite';
import { logTail } from './trainingBackend';

export interface TrainerPredictRequest {
  runDir: string;
  baseModel: string;
  /** PEFT adapter folder, or undefined for the base model alone. */
  adapter?: string;
  maxNewTokens?: number;
}

/** "tiny-model+adapter": names the predictions file and the model in the report. */
export function trainedModelName(baseModel: string, adapter: string | undefined): string {
  const base = basename(baseModel.replace(/[\\/]+$/, '')) || baseModel;
  if (!adapter) return base;
  // A trainer output folder ends in …/<job id>/adapter: the job id says more than "adapter".
  const parts = adapter.replace(/[\\/]+$/, '').split(/[\\/]/);
  const name = parts.at(-1) === 'adapter' && parts.length > 1 ? parts.at(-2)! : parts.at(-1)!;
  return `${base}+${name}`;
}

export function predictConfig(r: TrainerPredictRequest, testFile: string, outputFile: string): Record<string, unknown> {
  return { test_file: testFile, base_model: r.baseModel, adapter_dir: r.adapter ?? null, output_file: outputFile, max_new_tokens: r.maxNewTokens ?? 96, model_name: trainedModelName(r.baseModel, r.adapter) };
}

/**
 * Runs predict with the local trainer environment and waits. The raw output goes to
 * <run>/predictions/trainer-raw/<model>.jsonl (kept: predict resumes from it after an interruption).
 */
export async function predictLocally(r: TrainerPredictRequest, env: { python: string; trainerRoot: string }, opts: { signal?: AbortSignal; onProgress?: (answered: number, total: number) => void } = {}): Promise<string> {
  const name = trainedModelName(r.baseModel, r.adapter).replace(/[^A-Za-z0-9._+-]+/g, '_');
  const rawDir = join(r.runDir, 'predictions', 'trainer-raw');
  await mkdir(rawDir, { recursive: true });
  const outputFile = join(rawDir, `${name}.jsonl`);
  const configFile = join(rawDir, `${name}.config.json`);
  await writeFileAtomic(configFile, JSON.stringify(predictConfig(r, join(r.runDir, 'test.batch.jsonl'), outputFile), null, 2) + '\n');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(env.python, ['-m', 'pixtune_trainer', 'predict', '--config', configFile], {
      env: { ...process.env, PYTHONPATH: [env.trainerRoot, process.env.PYTHONPATH].filter(Boolean).join(':'), PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Cancellation: SIGTERM lets predict finish the answer in hand; what it wrote is kept for the next run.
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let err = '';
    let partial = '';
    let message: string | undefined;
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
    child.stdout.on('data', (c: Buffer) => {
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        try {
          const e = JSON.parse(l) as { event?: string; answered?: number; total?: number; message?: string };
          if ((e.event === 'predicted' || e.event === 'started') && typeof e.answered === 'number' && typeof e.total === 'number') opts.onProgress?.(e.answered, e.total);
          if (e.event === 'error' && typeof e.message === 'string') message = e.message;
        } catch {
          // not an event line
        }
      }
    });
    child.on('error', (e) => reject(new UserError(`Cannot start the trainer with ${env.python}: ${e.message}`, 'Run "pixtune trainer setup" and try again.')));
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      if (code === 0) return resolve();
      reject(new UserError(`The trainer's predict failed: ${message ?? `exit code ${code}`}.`, 'Check the base model and the adapter folder.', logTail(err, 10)));
    });
  });
  return outputFile;
}
