// `pixtune predict`: run a model over a prepared run's test split (or import answers made elsewhere)
// into <run>/predictions/<model-slug>.jsonl, resuming an interrupted run, and print the summary.
import { UsageError, UserError } from '../core/errors';
import { importPredictions } from '../core/evaluation/importPredictions';
import { computeReport } from '../core/evaluation/metrics';
import type { EvaluationReport } from '../core/evaluation/predictionRecord';
import { readPredictions } from '../core/evaluation/predictionsFile';
import { loadRunForEvaluation } from '../core/evaluation/runContext';
import { runPrediction, type PredictionProgress } from '../core/evaluation/runPrediction';
import { DEFAULT_SERVER_URL } from '../core/mistral/connection';
import { CLI_KEY_ACTION } from '../core/mistral/errors';
import { parseCliArgs, parseNumberOption, printJson, printable, type CliIO, type Subcommand } from './common';
import { describeReport } from './report';

const HELP = `Usage: pixtune predict --run <dir> --model <id> [options]
       pixtune predict --run <dir> --import <file.jsonl> [--import <errors.jsonl>] [--model <id>] [--json]

Asks the model about every image of the run's test split (test.batch.jsonl) and appends each answer
to <dir>/predictions/<model-slug>.jsonl as it arrives. Run it again after an interruption: images
already answered are not asked again, failed ones are retried.

Options:
  --provider mistral|openai  mistral (default; key from MISTRAL_API_KEY) or an OpenAI-compatible server
                             such as vLLM, llama.cpp server, Ollama, LM Studio (key from OPENAI_API_KEY, optional)
  --server-url URL           default ${DEFAULT_SERVER_URL} for mistral (or MISTRAL_SERVER_URL); required for openai
  --mode live|batch          live chat completions (default) or one Mistral Batch API job (cheaper for large sets)
  --concurrency N            requests in flight at most (live; default 8; halves while the server pushes back)
  --structured               constrain the answer's label to the class list (JSON schema; Mistral, vLLM)
  --import FILE              join a Mistral Batch API output/error file, the trainer's predict output, or a
                             predictions file made elsewhere to the run by custom_id (no requests are made)
  --backend local|ray        a model trained with pixtune train: the trainer's predict runs the base model
  --base-model M --adapter A plus the LoRA adapter on this machine or a Ray cluster (--address URL), then its
                             answers are imported as with --import
  --json                     print {"predictions", "total", "done", "errors", "report"}

A model that is not listed, retired, or cannot see images, a rejected key and an unreachable server
are reported before any image is sent, and nothing is written then.`;

const OPTIONS = {
  run: { type: 'string' },
  model: { type: 'string' },
  provider: { type: 'string' },
  'server-url': { type: 'string' },
  mode: { type: 'string' },
  concurrency: { type: 'string' },
  structured: { type: 'boolean' },
  import: { type: 'string', multiple: true },
  backend: { type: 'string' },
  'base-model': { type: 'string' },
  adapter: { type: 'string' },
  address: { type: 'string' },
  'poll-ms': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function progressPrinter(io: CliIO, enabled: boolean): (p: PredictionProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (!enabled || (now - last < 1000 && p.done < p.total)) return;
    last = now;
    const eta = p.etaSec !== undefined ? `, about ${Math.ceil(p.etaSec)} s left` : '';
    io.err(`${p.done}/${p.total} answered, ${p.errors} failed, ${p.ratePerSec.toFixed(1)}/s${eta}`);
  };
}

function printSummary(io: CliIO, file: string, total: number, done: number, errors: number, report: EvaluationReport, classes: string[]): void {
  io.out(`Predictions: ${printable(file)}`);
  io.out(`${done} of ${total} images answered${errors ? `, ${errors} failed (run the command again to retry them)` : ''}.`);
  for (const line of describeReport(report, classes)) io.out(line);
}

export const predictCommand: Subcommand = async (argv, io) => {
  const { values: v } = parseCliArgs(argv, OPTIONS);
  if (v.help) {
    io.out(HELP);
    return 0;
  }
  if (!v.run) throw new UsageError('Missing --run <dir> (a folder made by "pixtune prepare").');
  const provider = v.provider ?? 'mistral';
  if (provider !== 'mistral' && provider !== 'openai') throw new UsageError(`--provider must be mistral or openai, got "${v.provider}".`);
  const mode = v.mode ?? 'live';
  if (mode !== 'live' && mode !== 'batch') throw new UsageError(`--mode must be live or batch, got "${v.mode}".`);
  const concurrency = parseNumberOption('concurrency', v.concurrency, { int: true, min: 1, max: 256 });
  const pollMs = parseNumberOption('poll-ms', v['poll-ms'], { int: true, positive: true });

  // A self-trained model (issue 9): the trainer's predict answers, then its file is imported like any other.
  if (v.backend) {
    const trained = await (await import('./train')).runTrainerPredict({ ...v, run: v.run }, io);
    v.import = [trained.file];
    v.model ??= trained.model;
  }

  if (v.import?.length) {
    const run = await loadRunForEvaluation(v.run, io.signal);
    const imported = await importPredictions({ run, files: v.import, model: v.model, signal: io.signal });
    const { records } = await readPredictions(imported.file, io.signal);
    const inRun = new Set(run.testItems.map((t) => t.custom_id));
    const mine = records.filter((r) => inRun.has(r.custom_id));
    const report = computeReport(mine, run.classes);
    const errors = mine.filter((r) => r.error !== undefined).length;
    for (const p of imported.problems.slice(0, 20)) io.err(`skipped: ${p}`);
    if (imported.unknown) io.err(`${imported.unknown} line(s) name images that are not in this run's test split; they were ignored.`);
    if (v.json) {
      printJson(io, { predictions: imported.file, model: imported.model, total: run.testItems.length, done: mine.length - errors, errors, missing: imported.missing, problems: imported.problems, report });
    } else {
      printSummary(io, imported.file, run.testItems.length, mine.length - errors, errors, report, run.classes);
      if (imported.missing.length) io.out(`${imported.missing.length} test image(s) had no line in the file.`);
    }
    return 0;
  }

  if (!v.model) throw new UsageError('Missing --model <id> (for example pixtral-12b-latest, or an ft: model).');
  const envKey = provider === 'openai' ? io.env.OPENAI_API_KEY?.trim() : io.env.MISTRAL_API_KEY?.trim();
  if (provider === 'mistral' && !envKey) throw new UserError('MISTRAL_API_KEY is not set.', 'Set MISTRAL_API_KEY (for the sandbox, the key it printed) and try again.');
  const serverUrl = v['server-url'] ?? (provider === 'mistral' ? io.env.MISTRAL_SERVER_URL ?? DEFAULT_SERVER_URL : undefined);
  if (!serverUrl) throw new UsageError('--provider openai needs --server-url (the server\'s base URL, e.g. http://127.0.0.1:8000/v1).');

  const result = await runPrediction(
    {
      runDir: v.run,
      model: v.model,
      provider,
      serverUrl,
      apiKey: envKey || undefined,
      mode,
      concurrency,
      structuredOutput: v.structured === true,
      keyAction: provider === 'openai' ? 'Set OPENAI_API_KEY to a key the server accepts and try again.' : CLI_KEY_ACTION,
      pollMs,
    },
    { signal: io.signal, onProgress: progressPrinter(io, process.stderr.isTTY === true && !v.json) },
  );
  if (v.json) {
    printJson(io, { predictions: result.file, model: v.model, total: result.total, done: result.done, errors: result.errors, report: result.report });
  } else {
    printSummary(io, result.file, result.total, result.done, result.errors, result.report, Object.keys(result.report.perClass));
  }
  return result.errors ? 1 : 0;
};
