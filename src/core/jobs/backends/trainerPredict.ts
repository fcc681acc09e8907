// The trainer's predict (base model + LoRA adapter over the run's test batch, every part of it when written in
// parts) on this machine or on a Ray cluster. It writes answers in the Mistral Batch API output format; the evaluation core imports that file
// (importPredictions), so labels are parsed by the same one parser as every other prediction.
import { spawn } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../errors';
import { loadManifest, testBatchFiles } from '../../evaluation/runContext';
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

/** The run's test batch files (test.batch.jsonl, or its parts), named by manifest.json and resolved inside the run. */
export async function predictTestFiles(runDir: string): Promise<string[]> {
  return testBatchFiles(runDir, await loadManifest(runDir));
}

/**
 * The answers of a predict that ran on a Ray cluster, when this machine can read them (shared storage, a one-node
 * cluster); otherwise a clear message with how to bring them here (`howToImport`) instead of a raw ENOENT.
 */
export async function clusterAnswersHere(answers: { jobId: string; outputFile: string }, howToImport: string): Promise<string> {
  if (await stat(answers.outputFile).then((s) => s.isFile(), () => false)) return answers.outputFile;
  throw new UserError(`The answers are on the cluster at ${answers.outputFile} (job ${answers.jobId}), which this machine cannot read.`, howToImport);
}

export function predictConfig(r: TrainerPredictRequest, testFiles: string[], outputFile: string): Record<string, unknown> {
  return { test_file: testFiles, base_model: r.baseModel, adapter_dir: r.adapter ?? null, output_file: outputFile, max_new_tokens: r.maxNewTokens ?? 96, model_name: trainedModelName(r.baseModel, r.adapter) };
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
  await writeFileAtomic(configFile, JSON.stringify(predictConfig(r, await predictTestFiles(r.runDir), outputFile), null, 2) + '\n');
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
