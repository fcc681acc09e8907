// `pixtune train`: launches a training of a prepared run on this machine, a Ray cluster or the Mistral API,
// after checking that the target can hold the model; with --wait follows it to the end. Also the
// `jobs … --backend local|ray` actions (list, get, stop, resume, logs), which src/cli/jobs.ts hands over.
import { stat } from 'node:fs/promises';
import { UsageError, UserError } from '../core/errors';
import { checkCapacity, checkSourceOnly, identifyModel, multiNodeStorageWarning, type CapacityReport, type Precision } from '../core/jobs/backends/capacityCheck';
import { localTarget, localTrainerEnv, rayTarget, weightBytes } from '../core/jobs/backends/capacityProbe';
import { isTerminalTrainingStatus, trainingHyperparametersSchema, type BackendKind, type TrainingBackend, type TrainingJobView } from '../core/jobs/backends/trainingBackend';
import { clusterAnswersHere, predictLocally, trainedModelName } from '../core/jobs/backends/trainerPredict';
import { servingCommandOf } from '../core/jobs/backends/servingCommand';
import { parseCliArgs, parseNumberOption, printJson, type CliIO, type Subcommand } from './common';
import { openBackend, parseBackend, type OpenedBackend } from './trainer';

const HELP = `Usage: pixtune train --run <dir> --backend local|ray|mistral --base-model <id or dir> [options]

Trains a LoRA adapter for the base model on the run's train.jsonl (and validation.jsonl when present).
  --backend local      this machine: the trainer as a detached process (survives the terminal)
  --backend ray        a Ray cluster: --address http://host:8265 (RAY_AUTH_TOKEN for token authentication)
  --backend mistral    the hosted Mistral API (MISTRAL_API_KEY, --server-url; retired in 2026 except the sandbox)

Options:
  --epochs N | --steps N       length (default 2 epochs)
  --lr X                       learning rate (default 1e-4)
  --lora-rank R                LoRA rank (default 16)
  --batch-size N, --max-seq-len N, --checkpoint-every N, --eval-every N, --seed N
  --precision auto|bf16|fp16|fp32, --4bit   weights precision; 4-bit loading needs a CUDA GPU
  --workers N                  data-parallel workers (Ray Train when more than 1; default 1)
  --gpus-per-worker G          GPUs per worker (default 0 = CPU)
  --sharding none|fsdp         fsdp: the workers split the model's weights (FSDP) instead of each holding a copy,
                               for a model that does not fit one GPU (needs --workers 2 or more; default none)
  --storage-path P             (ray) where jobs write on the cluster (default /tmp/pixtune-jobs)
  --cluster-python P           (ray) the cluster's Python command (default python)
  --force                      start even when the capacity check says the model does not fit
  --wait                       follow the job to its end; exit 0 only when it succeeds
  --poll-ms N                  how often --wait looks (default 2000)
  --json                       print the job: {"id","backend","status","metrics":[…],"adapter",…}`;

const OPTIONS = {
  run: { type: 'string' },
  backend: { type: 'string' },
  'base-model': { type: 'string' },
  address: { type: 'string' },
  'server-url': { type: 'string' },
  epochs: { type: 'string' },
  steps: { type: 'string' },
  lr: { type: 'string' },
  'lora-rank': { type: 'string' },
  'batch-size': { type: 'string' },
  'max-seq-len': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'eval-every': { type: 'string' },
  seed: { type: 'string' },
  precision: { type: 'string' },
  '4bit': { type: 'boolean' },
  workers: { type: 'string' },
  'gpus-per-worker': { type: 'string' },
  sharding: { type: 'string' },
  'storage-path': { type: 'string' },
  'cluster-python': { type: 'string' },
  force: { type: 'boolean' },
  wait: { type: 'boolean' },
  'poll-ms': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `--json` prints for a job: the view, with the fields scripts rely on first. */
export function jobDocument(v: TrainingJobView): Record<string, unknown> {
  return { id: v.id, backend: v.backend, status: v.status, metrics: v.metrics, adapter: v.adapter ?? null, location: v.location, baseModel: v.baseModel, runDir: v.runDir ?? null, step: v.step ?? null, totalSteps: v.totalSteps ?? null, message: v.message ?? null, logTail: v.logTail ?? null, resumable: v.resumable, hyperparameters: v.hyperparameters, serve: servingCommandOf(v) ?? null };
}

export function describeTrainingJob(v: TrainingJobView): string[] {
  const lines = [`${v.id}  ${v.status}  ${v.baseModel}  (${v.backend}: ${v.location})`];
  if (v.step !== undefined) lines.push(`  step ${v.step}${v.totalSteps ? ` of ${v.totalSteps}` : ''}${v.metrics.at(-1)?.train_loss !== undefined ? `, train loss ${v.metrics.at(-1)!.train_loss!.toFixed(4)}` : ''}`);
  if (v.adapter) lines.push(`  adapter: ${v.adapter}`);
  const serving = servingCommandOf(v);
  if (serving) {
    lines.push(`  serve it behind an OpenAI-compatible endpoint (vLLM, on a GPU machine that holds the adapter):`, `    ${serving.serve}`);
    if (serving.evaluate) lines.push('  then evaluate it:', `    ${serving.evaluate}`);
  }
  if (v.message) lines.push(`  ${v.message}`);
  if (v.logTail) lines.push('  last log lines:', ...v.logTail.split('\n').map((l) => `    ${l}`));
  if (v.resumable) lines.push(`  resumable: pixtune jobs resume ${v.id} --backend ${v.backend}${v.backend === 'ray' ? ` --address ${v.location}` : ''}`);
  return lines;
}

/** Polls until the job ends; progress lines on stderr. Ctrl+C stops the waiting, not the job. */
export async function waitForTraining(backend: TrainingBackend, id: string, io: CliIO, pollMs: number): Promise<TrainingJobView> {
  let last = '';
  for (;;) {
    const v = await backend.get(id, io.signal);
    const line = `${v.id}: ${v.status}${v.step !== undefined ? ` step ${v.step}${v.totalSteps ? `/${v.totalSteps}` : ''}` : ''}${v.metrics.at(-1)?.train_loss !== undefined ? ` loss ${v.metrics.at(-1)!.train_loss!.toFixed(4)}` : ''}`;
    if (line !== last) io.err(line);
    last = line;
    if (isTerminalTrainingStatus(v.status)) return v;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, pollMs);
      io.signal.addEventListener('abort', () => (clearTimeout(t), reject(io.signal.reason)), { once: true });
    });
  }
}

function precisionOf(v: string | undefined, fourBit: boolean | undefined): { precision?: 'auto' | 'bf16' | 'fp16' | 'fp32'; capacity: Precision } {
  if (v !== undefined && !['auto', 'bf16', 'fp16', 'fp32'].includes(v)) throw new UsageError(`--precision must be auto, bf16, fp16 or fp32, not "${v}".`);
  const p = v as 'auto' | 'bf16' | 'fp16' | 'fp32' | undefined;
  return { precision: p, capacity: fourBit ? '4bit' : p === 'fp32' ? 'fp32' : p === 'fp16' ? 'fp16' : 'bf16' };
}

function parseSharding(v: string | undefined): 'none' | 'fsdp' | undefined {
  if (v === undefined || v === 'none' || v === 'fsdp') return v;
  throw new UsageError(`--sharding takes none or fsdp, not "${v}".`);
}

async function capacityReport(opened: OpenedBackend, kind: BackendKind, baseModel: string, h: { workers: number; gpus_per_worker: number; batch_size?: number; max_seq_len?: number; sharding?: 'none' | 'fsdp' }, precision: Precision, io: CliIO): Promise<CapacityReport> {
  const isDir = await stat(baseModel).then((s) => s.isDirectory(), () => false);
  const bytes = isDir && kind === 'local' ? await weightBytes(baseModel) : undefined;
  const model = identifyModel(baseModel, bytes);
  // Asked of the target even when the size is not known: it says whether it can get the weights at all.
  const target = kind === 'local' ? await localTarget(await localTrainerEnv(opened.python!, opened.loc!.trainerRoot, io.signal, baseModel)) : await rayTarget(opened.ray!.backend, opened.ray!.client, io.signal, baseModel);
  const source = { kind: isDir || (kind === 'ray' && baseModel.startsWith('/')) ? ('local-dir' as const) : ('hub-id' as const), id: baseModel };
  if (!model) return checkSourceOnly(target, source);
  return checkCapacity({ modelBillions: model.billions, modelName: model.name, precision, batchSize: h.batch_size, maxSeqLen: h.max_seq_len, workers: h.workers, gpusPerWorker: h.gpus_per_worker, sharding: h.sharding }, target, source);
}

export const trainCommand: Subcommand = async (argv, io) => {
  const { values } = parseCliArgs(argv, OPTIONS);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (!values.run) throw new UsageError('--run <dir> is required (a run folder made by pixtune prepare).');
  if (!values['base-model']) throw new UsageError('--base-model is required (a Hugging Face id or a local model folder).');
  const kind = parseBackend(values.backend);
  const json = values.json === true;
  const num = (name: keyof typeof OPTIONS, int = true, min = 1) => parseNumberOption(name, values[name] as string | undefined, { int, min });
  const epochs = parseNumberOption('epochs', values.epochs, { positive: true });
  const steps = num('steps');
  if (epochs !== undefined && steps !== undefined) throw new UsageError('Give either --epochs or --steps, not both.');
  const prec = precisionOf(values.precision, values['4bit']);
  const parsed = trainingHyperparametersSchema.safeParse({
    epochs,
    max_steps: steps,
    learning_rate: parseNumberOption('lr', values.lr, { positive: true, max: 1 }),
    lora_rank: num('lora-rank'),
    batch_size: num('batch-size'),
    max_seq_len: num('max-seq-len'),
    checkpoint_every: num('checkpoint-every', true, 0),
    eval_every: num('eval-every', true, 0),
    seed: parseNumberOption('seed', values.seed, { int: true }),
    precision: prec.precision,
    load_in_4bit: values['4bit'] || undefined,
    workers: num('workers'),
    gpus_per_worker: parseNumberOption('gpus-per-worker', values['gpus-per-worker'], { min: 0 }),
    sharding: parseSharding(values.sharding),
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'Bad hyperparameters.');
  const runDir = values.run;
  if (!(await stat(runDir).then((s) => s.isDirectory(), () => false))) throw new UserError(`The run folder ${runDir} does not exist.`, 'Give a folder made by pixtune prepare.');
  const opened = await openBackend(io, { backend: kind, address: values.address, serverUrl: values['server-url'], storagePath: values['storage-path'], clusterPython: values['cluster-python'] });

  const storageWarning = kind === 'ray' ? multiNodeStorageWarning(parsed.data.workers, values['storage-path']) : undefined;
  if (storageWarning) io.err(`Warning: ${storageWarning}`);
  if (kind !== 'mistral') {
    const report = await capacityReport(opened, kind, values['base-model'], parsed.data, prec.capacity, io);
    for (const l of report.lines) io.err(`Capacity: ${l}`);
    for (const w of report.wayOut) io.err(`  → ${w}`);
    if (report.verdict === 'does-not-fit' && !values.force) {
      const where = kind === 'local' ? 'this machine' : 'the Ray cluster';
      const what = report.sourceProblem ? `The base model cannot be loaded on ${where}: ${report.sourceProblem}` : `The model does not fit ${where} as asked. ${report.lines.at(-1)}`;
      throw new UserError(what, `${report.wayOut[0] ?? ''} Or pass --force to start anyway.`.trim());
    }
  }

  const launched = await opened.backend.launch({ runDir, baseModel: values['base-model'], hyperparameters: parsed.data }, io.signal);
  io.err(`Started ${launched.id} on ${launched.location}.`);
  let final = launched;
  if (values.wait) {
    try {
      final = await waitForTraining(opened.backend, launched.id, io, parseNumberOption('poll-ms', values['poll-ms'], { int: true, min: 50 }) ?? 2000);
    } catch (err) {
      if (io.signal.aborted) io.err(`Stopped waiting; ${launched.id} keeps running. Stop it with: pixtune jobs stop ${launched.id} --backend ${kind}${kind === 'ray' ? ` --address ${launched.location}` : ''}`);
      throw err;
    }
  }
  if (json) printJson(io, jobDocument(final));
  else describeTrainingJob(final).forEach((l) => io.out(l));
  return !values.wait || final.status === 'SUCCESS' ? 0 : 1;
};

/**
 * `predict --backend local|ray --base-model M --adapter A`: the trainer's predict over the run's test split.
 * Returns the raw answers file for the evaluation's import (src/cli/predict.ts goes on as with --import).
 */
export async function runTrainerPredict(v: { run: string; backend?: string; 'base-model'?: string; adapter?: string; address?: string }, io: CliIO): Promise<{ file: string; model: string }> {
  const kind = parseBackend(v.backend);
  if (kind === 'mistral') throw new UsageError('--backend mistral is not a trainer backend here; use --model with --provider mistral instead.');
  if (!v['base-model']) throw new UsageError('--base-model is required with --backend (the model the adapter was trained on).');
  const req = { runDir: v.run, baseModel: v['base-model'], adapter: v.adapter };
  const model = trainedModelName(req.baseModel, req.adapter);
  const opened = await openBackend(io, { backend: kind, address: v.address, quiet: true });
  if (kind === 'local') {
    let last = 0;
    const file = await predictLocally(req, { python: opened.python!, trainerRoot: opened.loc!.trainerRoot }, {
      signal: io.signal,
      onProgress: (done, total) => {
        if (Date.now() - last > 2000 || done === total) io.err(`${done}/${total} answered by ${model}`);
        last = Date.now();
      },
    });
    return { file, model };
  }
  io.err(`Running predict for ${model} on ${opened.ray!.client.address}…`);
  const answers = await opened.ray!.backend.predict(req, io.signal);
  return { file: await clusterAnswersHere(answers, `Copy the file here and run: pixtune predict --run ${v.run} --import <file> --model ${model}`), model };
}

/** `jobs list|get|stop|resume|logs --backend local|ray`: handed over by src/cli/jobs.ts. */
export async function backendJobsCommand(action: string | undefined, id: string | undefined, values: { backend?: string; address?: string; json?: boolean; wait?: boolean; 'poll-ms'?: string }, io: CliIO): Promise<number> {
  const kind = parseBackend(values.backend);
  const opened = await openBackend(io, { backend: kind, address: values.address, quiet: true });
  const b = opened.backend;
  const json = values.json === true;
  const need = () => {
    if (!id) throw new UsageError(`"jobs ${action}" needs a job id.`);
    return id;
  };
  const show = (v: TrainingJobView) => (json ? printJson(io, jobDocument(v)) : describeTrainingJob(v).forEach((l) => io.out(l)));
  switch (action) {
    case 'list': {
      const all = await b.list(io.signal);
      if (json) printJson(io, { object: 'list', data: all.map(jobDocument), total: all.length });
      else if (!all.length) io.out('No training jobs.');
      else for (const v of all) io.out(`${v.id}  ${v.status.padEnd(22)} ${v.baseModel}${v.runDir ? `  ${v.runDir}` : ''}`);
      return 0;
    }
    case 'get': {
      const v = values.wait ? await waitForTraining(b, need(), io, parseNumberOption('poll-ms', values['poll-ms'], { int: true, min: 50 }) ?? 2000) : await b.get(need(), io.signal);
      show(v);
      return !values.wait || v.status === 'SUCCESS' ? 0 : 1;
    }
    case 'stop':
    case 'cancel':
      show(await b.stop(need(), io.signal));
      return 0;
    case 'resume':
      if (!b.resume) throw new UsageError(`The ${kind} backend cannot resume jobs.`);
      show(await b.resume(need(), io.signal));
      return 0;
    case 'logs':
      io.out(await b.logs(need(), io.signal));
      return 0;
    default:
      throw new UsageError(`Unknown jobs action "${action}" for --backend ${kind} (use list, get, stop, resume or logs).`);
  }
}
