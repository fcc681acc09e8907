// How to serve a trained adapter behind an OpenAI-compatible endpoint with vLLM, and evaluate it from there: the
// exact command for a finished job, shown by the CLI (`jobs get`, `train --wait`) and the job details panel.
// vLLM loads the base model in transformers format and the PEFT adapter as a LoRA module (--enable-lora); the
// tokenizer is the tekken.json the trainer copied into the adapter folder, read with --tokenizer-mode mistral
// (mistral-common, as in training), so serving sees the tokens training saw — also for a base model whose
// transformers copy has no Mistral tokenizer (mistral-community/pixtral-12b).
import { trainedModelName } from './trainerPredict';
import type { TrainingJobView } from './trainingBackend';

/** The LoRA ranks vLLM accepts for --max-lora-rank (vllm/config/lora.py); 16 is its default. */
const VLLM_LORA_RANKS = [1, 8, 16, 32, 64, 128, 256, 320, 512];

export interface ServingCommand {
  /** The model name clients ask for (the LoRA module's name). */
  model: string;
  /** `vllm serve …`, one line, shell-quoted. */
  serve: string;
  /** `pixtune predict …` against the server, for the run the job trained on. */
  evaluate?: string;
}

/** POSIX shell quoting, only where needed, so the command stays readable. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function vllmServeCommand(opts: { baseModel: string; adapter: string; loraRank?: number; runDir?: string; port?: number }): ServingCommand {
  const model = trainedModelName(opts.baseModel, opts.adapter);
  const port = opts.port ?? 8000;
  const args = ['vllm', 'serve', opts.baseModel, '--tokenizer', opts.adapter, '--tokenizer-mode', 'mistral', '--enable-lora', '--lora-modules', `${model}=${opts.adapter}`];
  const rank = opts.loraRank ?? 16;
  if (rank > 16) args.push('--max-lora-rank', String(VLLM_LORA_RANKS.find((r) => r >= rank) ?? rank));
  if (port !== 8000) args.push('--port', String(port));
  const evaluate = opts.runDir ? ['pixtune', 'predict', '--run', opts.runDir, '--provider', 'openai', '--server-url', `http://127.0.0.1:${port}/v1`, '--model', model] : undefined;
  return { model, serve: args.map(shellQuote).join(' '), ...(evaluate ? { evaluate: evaluate.map(shellQuote).join(' ') } : {}) };
}

/** The serving command of a finished training (its adapter, rank and run), or undefined before it has an adapter. */
export function servingCommandOf(v: Pick<TrainingJobView, 'status' | 'adapter' | 'baseModel' | 'hyperparameters' | 'runDir'>): ServingCommand | undefined {
  if (v.status !== 'SUCCESS' || !v.adapter) return undefined;
  const rank = v.hyperparameters.lora_rank;
  return vllmServeCommand({ baseModel: v.baseModel, adapter: v.adapter, loraRank: typeof rank === 'number' ? rank : undefined, runDir: v.runDir });
}
