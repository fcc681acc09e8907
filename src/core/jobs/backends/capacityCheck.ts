// Before a training starts: does the target have what the model needs? Compared here, in plain numbers,
// so that a 24B model is not sent to a 24 GB card to fail an hour later. The estimate is deliberately
// simple and says what it counts: the frozen base weights at the chosen precision (4-bit ≈ a quarter of
// bf16, plus quantisation constants), 20 % on top for the LoRA weights, their gradients and Adam states
// and the CUDA context, and activations that grow with the model, the batch and the sequence length
// (with gradient checkpointing). Workers are data-parallel and each loads the whole model onto one GPU, so the
// estimate is per worker whatever GPUs per worker asks; with sharding (FSDP) each worker's GPU holds 1/workers of
// the weights and of the LoRA state, plus the layers gathered while they run (FSDP_GATHER_SHARE).
import { z } from 'zod';

/**
 * `env --json --model`: can the target load the base model (a folder there, the hub cache there, the hub from
 * there)? Computed on the target itself; `kind` is kept a string so a kind added later does not break the parse.
 */
export const modelSourceSchema = z.looseObject({
  kind: z.string(),
  ok: z.boolean(),
  detail: z.string(),
});
export type ModelSource = z.infer<typeof modelSourceSchema>;

/** `python -m pixtune_trainer env --json [--model …]` (src/trainer/CONTRACT.md). */
export const trainerEnvSchema = z.looseObject({
  python: z.string(),
  torch: z.string().nullish(),
  cuda: z.boolean().nullish(),
  gpus: z.number().int().nonnegative().default(0),
  gpu_memory_gb: z.array(z.number()).default([]),
  /** Installed in the trainer's environment: 4-bit loading needs it (not in requirements.txt: it is CUDA-only). */
  bitsandbytes: z.boolean().default(false),
  /** Only with `--model` (and from a trainer that knows it). */
  model_source: modelSourceSchema.optional(),
});
export type TrainerEnv = z.infer<typeof trainerEnvSchema>;

export interface KnownModel {
  /** Matched against the model id or folder name, case-insensitively. */
  pattern: RegExp;
  name: string;
  /** Parameters, language model and vision encoder together, in billions. */
  billions: number;
}

/** Open-weight Mistral vision models (Apache-2.0); sizes from their model cards, vision encoder included. */
export const KNOWN_MODELS: KnownModel[] = [
  { pattern: /pixtral-12b/i, name: 'Pixtral-12B', billions: 12.4 },
  { pattern: /mistral-small-3\.[12]|mistral-small-24b|magistral-small/i, name: 'Mistral-Small-24B (3.1/3.2, Magistral Small)', billions: 24.0 },
  { pattern: /ministral-3-3b|ministral-3b/i, name: 'Ministral 3 3B', billions: 3.8 },
  { pattern: /ministral-3-8b|ministral-8b/i, name: 'Ministral 3 8B', billions: 8.8 },
  { pattern: /ministral-3-14b|ministral-14b/i, name: 'Ministral 3 14B', billions: 14.0 },
];

export type Precision = 'bf16' | 'fp16' | 'fp32' | '4bit';

export const BYTES_PER_PARAMETER: Record<Precision, number> = { bf16: 2, fp16: 2, fp32: 4, '4bit': 0.55 };
/** LoRA weights + their gradients and optimizer states + CUDA context, as a share of the base weights. */
export const TRAINING_OVERHEAD = 0.2;
/** Activations per billion parameters per 4096-token sample, with gradient checkpointing (GB). */
export const ACTIVATION_GB_PER_BILLION = 0.25;
/**
 * Sharded (FSDP): the whole weights of the layers being gathered on each GPU at a time (the running decoder layer and
 * the next one, prefetched), as a share of all the weights: two of a Mistral model's 30–40 layers, rounded up.
 */
export const FSDP_GATHER_SHARE = 0.08;
/** What a card offers for tensors once the driver and allocator have taken their share. */
export const USABLE_SHARE = 0.92;

export interface CapacityRequest {
  modelBillions: number;
  modelName: string;
  precision: Precision;
  batchSize?: number;
  maxSeqLen?: number;
  workers: number;
  gpusPerWorker: number;
  /** fsdp: the workers' GPUs share the weights (the trainer's `sharding`); none or absent: a whole copy each. */
  sharding?: 'none' | 'fsdp';
}

export interface MemoryEstimate {
  weightsGb: number;
  overheadGb: number;
  activationsGb: number;
  /** On the one GPU each worker loads the whole model (or its shard) onto, or in RAM on CPU. */
  perDeviceGb: number;
  /** Sharded: the weights each GPU holds are this share of the whole (1 / workers); absent when not sharded. */
  shardOf?: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
/** 12.4 → "12.4 B"; a tiny test model → "0.0042 B". */
const billionsText = (b: number) => `${b >= 1 ? round1(b) : Number(b.toPrecision(2))} B`;

export function estimateMemory(r: CapacityRequest): MemoryEstimate {
  const wholeGb = r.modelBillions * BYTES_PER_PARAMETER[r.precision];
  const sharded = r.sharding === 'fsdp' && r.workers > 1;
  const weightsGb = sharded ? wholeGb / r.workers : wholeGb;
  // Sharded, the LoRA state is split with the weights, and the gathered layers come on top of the shard.
  const overheadGb = weightsGb * TRAINING_OVERHEAD + (sharded ? wholeGb * FSDP_GATHER_SHARE : 0);
  const activationsGb = ACTIVATION_GB_PER_BILLION * r.modelBillions * (r.batchSize ?? 1) * ((r.maxSeqLen ?? 4096) / 4096);
  const estimate = { weightsGb: round1(weightsGb), overheadGb: round1(overheadGb), activationsGb: round1(activationsGb), perDeviceGb: round1(weightsGb + overheadGb + activationsGb) };
  return sharded ? { ...estimate, shardOf: 1 / r.workers } : estimate;
}

export interface CapacityTarget {
  /** Memory of each GPU in GB (empty: no GPU). */
  gpuMemoryGb: number[];
  /** RAM in GB, for CPU training. */
  ramGb?: number;
  /** Free disk where the weights are cached, in GB (undefined: not known). */
  freeDiskGb?: number;
  /** "this machine" or "the Ray cluster at …". */
  label: string;
  /** The trainer's environment there has CUDA and bitsandbytes, so 4-bit loading can be offered. */
  fourBitReady?: boolean;
  /** What the target said about the base model (undefined: it was not asked, or an older trainer). */
  modelSource?: ModelSource;
}

/** The base model as the caller sees it: a folder, or a hub id (its download size when known). */
export interface SourceRequest {
  kind: 'local-dir' | 'hub-id';
  /** The base model as given, for the way out's download command. */
  id?: string;
  downloadGb?: number;
}

export interface CapacityReport {
  verdict: 'fits' | 'does-not-fit' | 'cpu-only';
  /** Undefined when the model's size is not known (checkSourceOnly). */
  estimate?: MemoryEstimate;
  /** One sentence each, for the confirmation dialog and the CLI. */
  lines: string[];
  /** What to change when it does not fit. */
  wayOut: string[];
  /** 4-bit loading would fit and the target can do it (CUDA and bitsandbytes): the dialog offers it. */
  offerFourBit: boolean;
  /** Not sharded and too big for one GPU, but sharding (fsdp) over this many workers, one GPU each, would fit. */
  offerSharding?: { workers: number; perDeviceGb: number };
  /** The target cannot load the base model (its own sentence) and that, not the size, refuses it: the headline. */
  sourceProblem?: string;
}

export function checkCapacity(r: CapacityRequest, t: CapacityTarget, source: SourceRequest): CapacityReport & { estimate: MemoryEstimate } {
  const estimate = estimateMemory(r);
  const lines: string[] = [];
  const wayOut: string[] = [];
  let offerFourBit = false;
  let offerSharding: CapacityReport['offerSharding'];
  const gpusNeeded = r.workers * Math.max(1, r.gpusPerWorker);
  const usable = t.gpuMemoryGb.map((g) => g * USABLE_SHARE);
  const smallest = usable.length ? Math.min(...usable) : 0;
  let verdict: CapacityReport['verdict'];
  lines.push(
    `${r.modelName} (${billionsText(r.modelBillions)} parameters, ${r.precision}) needs about ${estimate.perDeviceGb} GB per ${r.gpusPerWorker > 0 ? 'GPU' : 'device'}: ${estimate.weightsGb} GB weights${estimate.shardOf ? ` (sharded: 1/${r.workers} of ${round1(r.modelBillions * BYTES_PER_PARAMETER[r.precision])} GB)` : ''}, ${estimate.overheadGb} GB LoRA and optimizer${estimate.shardOf ? ' and gathered layers' : ''}, ${estimate.activationsGb} GB activations.`,
  );
  if (estimate.shardOf) {
    lines.push(`Sharded (FSDP) over ${r.workers} workers: the estimate assumes the two layers gathered at a time take ${Math.round(FSDP_GATHER_SHARE * 100)} % of the weights; each worker first loads the whole model into its node's RAM (about ${round1(r.modelBillions * BYTES_PER_PARAMETER[r.precision])} GB per worker) before keeping its shard.`);
  }
  if (r.gpusPerWorker > 1) lines.push(`Each worker ${estimate.shardOf ? 'keeps its shard on' : 'loads the whole model onto'} one GPU; its other ${r.gpusPerWorker - 1} GPU${r.gpusPerWorker === 2 ? '' : 's'} stay idle. More workers train data-parallel.`);
  if (r.gpusPerWorker === 0 || !t.gpuMemoryGb.length) {
    verdict = 'cpu-only';
    const cpuGb = round1(r.modelBillions * BYTES_PER_PARAMETER.fp32 * (1 + TRAINING_OVERHEAD) + estimate.activationsGb);
    lines.push(`${t.label} trains on CPU${t.gpuMemoryGb.length ? ' (no GPUs were asked for)' : ' (it has no GPU)'}: about ${cpuGb} GB of RAM in fp32${t.ramGb !== undefined ? ` of ${round1(t.ramGb)} GB` : ''}, and only small models finish in reasonable time.`);
    if (r.precision === '4bit') lines.push('4-bit loading needs a CUDA GPU; on CPU the model loads in full precision.');
    if (t.ramGb !== undefined && cpuGb > t.ramGb) {
      verdict = 'does-not-fit';
      wayOut.push('Use a machine or cluster with a GPU, or a smaller model.');
    } else if (r.modelBillions >= 1) {
      wayOut.push('For a model of this size, train on a GPU (this machine with a GPU, or a Ray cluster with GPU workers).');
    }
  } else if (t.gpuMemoryGb.length < gpusNeeded) {
    verdict = 'does-not-fit';
    lines.push(`${r.workers} worker${r.workers === 1 ? '' : 's'} × ${r.gpusPerWorker} GPU${r.gpusPerWorker === 1 ? '' : 's'} need ${gpusNeeded} GPUs; ${t.label} has ${t.gpuMemoryGb.length}.`);
    wayOut.push(`Ask for at most ${t.gpuMemoryGb.length} GPUs in total (workers × GPUs per worker).`);
  } else if (estimate.perDeviceGb > smallest) {
    verdict = 'does-not-fit';
    lines.push(`${t.label}'s GPUs have ${round1(Math.min(...t.gpuMemoryGb))} GB (about ${round1(smallest)} GB usable): not enough.`);
    if (r.precision !== '4bit') {
      const q = estimateMemory({ ...r, precision: '4bit' });
      if (q.perDeviceGb > smallest) wayOut.push(`Even 4-bit (about ${q.perDeviceGb} GB per GPU) does not fit these GPUs.`);
      else if (t.fourBitReady) {
        offerFourBit = true;
        wayOut.push(`Load the model in 4-bit: about ${q.perDeviceGb} GB per GPU, which fits.`);
      } else wayOut.push(`4-bit loading (about ${q.perDeviceGb} GB per GPU) would fit, but needs bitsandbytes in the trainer's environment on ${t.label}: install it there (pip install bitsandbytes) and train again.`);
    }
    const shardWorkers = t.gpuMemoryGb.length; // one worker per GPU: all of the target's GPUs share the weights
    const shardedEstimate = estimateMemory({ ...r, sharding: 'fsdp', workers: shardWorkers });
    if (!estimate.shardOf && r.precision !== '4bit' && shardWorkers > 1 && shardedEstimate.perDeviceGb <= smallest) {
      offerSharding = { workers: shardWorkers, perDeviceGb: shardedEstimate.perDeviceGb };
      wayOut.push(`Shard the model over ${shardWorkers} workers' GPUs (sharding fsdp, ${shardWorkers} workers × 1 GPU): about ${shardedEstimate.perDeviceGb} GB per GPU, which fits.`);
    }
    if (estimate.shardOf) wayOut.push('Sharded, more workers (one GPU each) make each GPU\'s share smaller; GPUs with more memory help too.');
    else if (t.gpuMemoryGb.length > 1) wayOut.push('One GPU per worker holds the whole model: more GPUs per worker do not help; sharding over more workers or a GPU with more memory does.');
    wayOut.push('Or pick a model with fewer parameters (Ministral 3 3B or 8B).');
  } else if (r.precision === '4bit' && t.fourBitReady === false) {
    verdict = 'does-not-fit';
    lines.push(`4-bit loading needs bitsandbytes in the trainer's environment on ${t.label}, and it is not installed there.`);
    wayOut.push('Install it there (pip install bitsandbytes; CUDA GPUs only) and train again, or train without 4-bit.');
  } else {
    verdict = 'fits';
    lines.push(`${t.label} has ${t.gpuMemoryGb.length} GPU${t.gpuMemoryGb.length === 1 ? '' : 's'} of ${round1(Math.min(...t.gpuMemoryGb))} GB: it fits (${Math.round((estimate.perDeviceGb / smallest) * 100)} % of the usable memory).`);
  }
  const s = checkModelSource(t, { ...source, downloadGb: source.downloadGb ?? round1(r.modelBillions * 2) });
  lines.push(...s.lines);
  // A model too big for the target is refused for its size first; otherwise the source's way out leads.
  const sizeRefused = verdict === 'does-not-fit';
  if (sizeRefused) wayOut.push(...s.wayOut);
  else wayOut.unshift(...s.wayOut);
  if (!s.ok) verdict = 'does-not-fit';
  return { verdict, estimate, lines, wayOut, offerFourBit, offerSharding, sourceProblem: sizeRefused ? undefined : s.problem };
}

/**
 * Can the target get the weights? Its own answer (`model_source`) when it gave one, else what the caller knows:
 * a hub id is downloaded there. A hub id the target cannot fetch, or a folder it does not have, is refused with the
 * way out; a hub id it will download is checked against its free disk.
 */
export function checkModelSource(t: CapacityTarget, source: SourceRequest): { ok: boolean; lines: string[]; wayOut: string[]; problem?: string } {
  const probe = t.modelSource;
  const id = source.id ?? '<model id>';
  if (probe && !probe.ok) {
    const onRay = t.label.startsWith('the Ray cluster');
    const wayOut: Record<string, string[]> = {
      unreachable: [
        `Download the weights where the hub is reachable (hf download ${id} --local-dir <folder>), copy the folder to ${t.label} and give that folder as the base model.`,
        `Or set HF_ENDPOINT on ${t.label} to a Hugging Face mirror it can reach.`,
      ],
      gated: [`Accept the model's terms on huggingface.co and set HF_TOKEN (a read token of that account) in the environment of ${onRay ? "the cluster's nodes" : 'the trainer on this machine'}, then train again.`],
      'not-found': [`Check the model id (organisation/name, as on huggingface.co); a private model also needs HF_TOKEN on ${t.label}.`],
      missing: [`Give a folder that exists on ${t.label}${onRay ? " (the path is read on the cluster's nodes)" : ''}, or a Hugging Face id.`],
      'not-a-model': ['Give the folder that holds the model\'s config.json and weights (a Hugging Face model folder).'],
      'unsupported-format': ['Give the transformers-format BF16 weights the sentence above names (a hub id or its downloaded folder).'],
      'bad-token': [`Set a valid HF_TOKEN on ${t.label} (a read token from huggingface.co/settings/tokens), or unset it for a public model.`],
    };
    return { ok: false, lines: [probe.detail], wayOut: wayOut[probe.kind] ?? [], problem: probe.detail };
  }
  if (probe?.kind === 'hub-cache') return { ok: true, lines: [`${probe.detail} Nothing to download.`], wayOut: [] };
  if (probe ? probe.kind !== 'hub' : source.kind !== 'hub-id') return { ok: true, lines: [], wayOut: [] };
  const dl = source.downloadGb;
  const reach = probe ? 'it answered just now' : 'it must reach huggingface.co (with HF_TOKEN for gated models)';
  const lines = [`The weights${dl !== undefined ? ` (about ${dl} GB)` : ''} are downloaded from the Hugging Face hub by ${t.label}: ${reach}.`];
  if (dl !== undefined && t.freeDiskGb !== undefined && t.freeDiskGb < dl * 1.1) {
    lines.push(`Only ${round1(t.freeDiskGb)} GB of disk are free for them.`);
    return { ok: false, lines, wayOut: ['Free disk space, or point HF_HOME at a larger disk.'] };
  }
  return { ok: true, lines, wayOut: [] };
}

/** A model whose size is not known: its memory is not checked, whether the target can get it still is. */
export function checkSourceOnly(t: CapacityTarget, source: SourceRequest): CapacityReport {
  const s = checkModelSource(t, source);
  return {
    verdict: s.ok ? 'fits' : 'does-not-fit',
    lines: [...s.lines, `The size of ${source.id ?? 'this model'} is not known, so its memory is not checked.`],
    wayOut: s.wayOut,
    offerFourBit: false,
    sourceProblem: s.problem,
  };
}

/**
 * Several Ray workers can run on several nodes: the stop file, the checkpoints and the adapter must then be on
 * storage every node sees. A storage path under /tmp (Pixtune's default, /tmp/pixtune-jobs) is each node's own.
 */
export function multiNodeStorageWarning(workers: number, storagePath: string | undefined): string | undefined {
  if (workers <= 1 || (storagePath && !/^\/tmp(\/|$)/.test(storagePath.trim()))) return undefined;
  return `${workers} workers may run on different nodes, but the job folder ${storagePath?.trim() || 'is the default /tmp/pixtune-jobs, which'} is on each node's own disk: stopping, checkpoints and resuming need a storage path on shared storage (pixtune.ray.storagePath, or --storage-path, e.g. an NFS mount).`;
}

/** Which model is this? A known id or folder name, or a size in its name ("…-7B-…"); undefined if neither. */
export function identifyModel(idOrDir: string, weightBytes?: number, weightBytesPerParameter = 2): { name: string; billions: number } | undefined {
  const known = KNOWN_MODELS.find((m) => m.pattern.test(idOrDir));
  if (known) return { name: known.name, billions: known.billions };
  if (weightBytes !== undefined && weightBytes > 0) return { name: idOrDir.split(/[\\/]/).filter(Boolean).pop() ?? idOrDir, billions: weightBytes / weightBytesPerParameter / 1e9 };
  const m = /(\d+(?:\.\d+)?)\s*b\b/i.exec(idOrDir.replace(/[-_]/g, ' '));
  if (m) return { name: idOrDir, billions: Number(m[1]) };
  return undefined;
}
