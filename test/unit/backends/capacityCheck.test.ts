// The capacity arithmetic for the models users train, against the GPUs they have.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCapacity, checkSourceOnly, estimateMemory, identifyModel, multiNodeStorageWarning, trainerEnvSchema, type CapacityRequest } from '../../../src/core/jobs/backends/capacityCheck';

const A100_80 = { gpuMemoryGb: [80], label: 'this machine' };
const A100_40 = { gpuMemoryGb: [40], label: 'this machine' };
const RTX_4090 = { gpuMemoryGb: [24], label: 'this machine' };
const L4 = { gpuMemoryGb: [24], label: 'this machine' };
const T4 = { gpuMemoryGb: [16], label: 'this machine' };
const local = { kind: 'local-dir' as const };

function req(id: string, over: Partial<CapacityRequest> = {}): CapacityRequest {
  const m = identifyModel(id)!;
  return { modelBillions: m.billions, modelName: m.name, precision: 'bf16', workers: 1, gpusPerWorker: 1, ...over };
}

test('the known models are recognised from hub ids and folder names', () => {
  assert.equal(identifyModel('mistral-community/pixtral-12b')?.billions, 12.4);
  assert.equal(identifyModel('mistralai/Pixtral-12B-2409')?.billions, 12.4);
  assert.equal(identifyModel('mistralai/Mistral-Small-3.1-24B-Instruct-2503')?.billions, 24);
  assert.equal(identifyModel('mistralai/Mistral-Small-3.2-24B-Instruct-2506')?.billions, 24);
  assert.equal(identifyModel('/models/Ministral-3-3B-Instruct')?.billions, 3.8);
  assert.equal(identifyModel('mistralai/Ministral-3-8B-Instruct')?.billions, 8.8);
  assert.equal(identifyModel('mistralai/Ministral-3-14B-Instruct')?.billions, 14);
  assert.equal(identifyModel('someone/llava-7b-hf')?.billions, 7);
  // A folder with weights: the size of its weight files at 2 bytes per parameter.
  assert.equal(identifyModel('/tmp/tiny-model', 8_000_000)?.billions, 0.004);
  assert.equal(identifyModel('no-size-here'), undefined);
});

test('Pixtral-12B: bf16 needs an 80 GB or 40 GB card, not a 24 GB one; 4-bit fits 24 GB', () => {
  const e = estimateMemory(req('pixtral-12b'));
  // 12.4 B × 2 bytes = 24.8 GB weights, +20 % = 4.96, activations 0.25 × 12.4 = 3.1 → 32.9 GB.
  assert.deepEqual(e, { weightsGb: 24.8, overheadGb: 5, activationsGb: 3.1, perDeviceGb: 32.9 });
  assert.equal(checkCapacity(req('pixtral-12b'), A100_80, local).verdict, 'fits');
  assert.equal(checkCapacity(req('pixtral-12b'), A100_40, local).verdict, 'fits');
  const r = checkCapacity(req('pixtral-12b'), { ...RTX_4090, fourBitReady: true }, local);
  assert.equal(r.verdict, 'does-not-fit');
  assert.match(r.wayOut.join(' '), /4-bit: about 11\.3 GB per GPU, which fits/);
  assert.equal(r.offerFourBit, true);
  assert.equal(checkCapacity(req('pixtral-12b', { precision: '4bit' }), RTX_4090, local).verdict, 'fits');
});

test('4-bit is offered only where the trainer environment has CUDA and bitsandbytes; otherwise it says how to install it', () => {
  // requirements.txt does not pin bitsandbytes (CUDA-only): the trainer's env --json says whether it is there.
  assert.equal(trainerEnvSchema.parse({ python: '3.12', gpus: 1, gpu_memory_gb: [24] }).bitsandbytes, false);
  assert.equal(trainerEnvSchema.parse({ python: '3.12', bitsandbytes: true }).bitsandbytes, true);
  for (const fourBitReady of [false, undefined]) {
    const r = checkCapacity(req('pixtral-12b'), { ...RTX_4090, fourBitReady }, local);
    assert.equal(r.verdict, 'does-not-fit');
    assert.equal(r.offerFourBit, false);
    assert.doesNotMatch(r.wayOut.join(' '), /which fits/);
    assert.match(r.wayOut.join(' '), /4-bit loading \(about 11\.3 GB per GPU\) would fit, but needs bitsandbytes in the trainer's environment on this machine: install it there \(pip install bitsandbytes\)/);
  }
  // Asked for 4-bit where bitsandbytes is known to be missing: refused before the trainer fails on it.
  const asked = checkCapacity(req('pixtral-12b', { precision: '4bit' }), { ...RTX_4090, fourBitReady: false }, local);
  assert.equal(asked.verdict, 'does-not-fit');
  assert.match(asked.lines.join(' '), /4-bit loading needs bitsandbytes/);
});

test('each worker loads the whole model onto one GPU: no split over GPUs per worker in the estimate or the advice', () => {
  const one = estimateMemory(req('mistral-small-3.1-24b'));
  assert.deepEqual(estimateMemory(req('mistral-small-3.1-24b', { gpusPerWorker: 2 })), one);
  const two = checkCapacity(req('mistral-small-3.1-24b', { gpusPerWorker: 2 }), { gpuMemoryGb: [40, 40], label: 'c' }, local);
  assert.equal(two.verdict, 'does-not-fit');
  assert.match(two.lines.join(' '), /Each worker loads the whole model onto one GPU; its other 1 GPU stay idle/);
  assert.doesNotMatch([...two.lines, ...two.wayOut].join(' '), /[Ss]plit/);
  assert.match(two.wayOut.join(' '), /One GPU per worker holds the whole model/);
});

test('sharded (fsdp): each GPU holds 1/workers of the weights and LoRA state, plus the gathered layers; the RAM each worker loads into is said', () => {
  // Mistral Small 24B bf16: 48 GB weights. Over 4 workers: 12 GB, LoRA state 20 % of that = 2.4, gathered layers
  // 8 % of the whole 48 = 3.84, activations 0.25 × 24 = 6 → 24.2 GB per GPU, where one GPU would need 63.6.
  const sharded = req('mistral-small-3.1-24b', { workers: 4, sharding: 'fsdp' });
  assert.deepEqual(estimateMemory(sharded), { weightsGb: 12, overheadGb: 6.2, activationsGb: 6, perDeviceGb: 24.2, shardOf: 0.25 });
  assert.equal(estimateMemory(req('mistral-small-3.1-24b', { workers: 4 })).perDeviceGb, 63.6);
  // One worker has nothing to share the weights with: the same as not sharded.
  assert.deepEqual(estimateMemory(req('mistral-small-3.1-24b', { sharding: 'fsdp' })), estimateMemory(req('mistral-small-3.1-24b')));
  const r = checkCapacity(sharded, { gpuMemoryGb: [40, 40, 40, 40], label: 'c' }, local);
  assert.equal(r.verdict, 'fits');
  assert.match(r.lines[0]!, /24\.2 GB per GPU: 12 GB weights \(sharded: 1\/4 of 48 GB\), 6\.2 GB LoRA and optimizer and gathered layers/);
  assert.match(r.lines.join(' '), /gathered at a time take 8 % of the weights; each worker first loads the whole model into its node's RAM \(about 48 GB per worker\)/);
  // Still too big for 2 × 24 GB: more workers, not more GPUs per worker.
  const small = checkCapacity(req('mistral-small-3.1-24b', { workers: 2, sharding: 'fsdp' }), { gpuMemoryGb: [24, 24], label: 'c' }, local);
  assert.equal(small.verdict, 'does-not-fit');
  assert.equal(small.offerSharding, undefined);
  assert.match(small.wayOut.join(' '), /Sharded, more workers \(one GPU each\) make each GPU's share smaller/);
});

test('too big for one GPU but not for all of them together: sharding over one worker per GPU is offered', () => {
  const r = checkCapacity(req('mistral-small-3.1-24b'), { gpuMemoryGb: [40, 40, 40, 40], label: 'c' }, local);
  assert.equal(r.verdict, 'does-not-fit');
  assert.deepEqual(r.offerSharding, { workers: 4, perDeviceGb: 24.2 });
  assert.match(r.wayOut.join(' '), /Shard the model over 4 workers' GPUs \(sharding fsdp, 4 workers × 1 GPU\): about 24\.2 GB per GPU, which fits/);
  // Not offered where it would not fit either (2 × 24 GB), nor with one GPU, nor for 4-bit (the trainer refuses both).
  assert.equal(checkCapacity(req('mistral-small-3.1-24b'), { gpuMemoryGb: [24, 24], label: 'c' }, local).offerSharding, undefined);
  assert.equal(checkCapacity(req('mistral-small-3.1-24b'), A100_40, local).offerSharding, undefined);
  assert.equal(checkCapacity(req('mistral-small-3.1-24b', { precision: '4bit' }), { gpuMemoryGb: [12, 12, 12, 12], label: 'c' }, local).offerSharding, undefined);
});

test('more than one Ray worker with the job folder under /tmp (or the default) warns that multi-node needs shared storage', () => {
  assert.equal(multiNodeStorageWarning(1, undefined), undefined);
  assert.equal(multiNodeStorageWarning(2, '/mnt/shared/pixtune'), undefined);
  assert.match(multiNodeStorageWarning(2, undefined) ?? '', /default \/tmp\/pixtune-jobs.*shared storage/);
  assert.match(multiNodeStorageWarning(4, '/tmp/jobs') ?? '', /^4 workers .*\/tmp\/jobs is on each node's own disk/);
  assert.match(multiNodeStorageWarning(2, '/tmp') ?? '', /shared storage/);
  assert.equal(multiNodeStorageWarning(2, '/tmpfs/x'), undefined);
});

test('Mistral-Small-24B: bf16 fits only an 80 GB card; 4-bit fits a 24 GB card; not on 40 GB cards in bf16', () => {
  assert.equal(estimateMemory(req('mistral-small-3.1-24b')).perDeviceGb, 63.6);
  assert.equal(checkCapacity(req('mistral-small-3.1-24b'), A100_80, local).verdict, 'fits');
  const on40 = checkCapacity(req('mistral-small-3.1-24b'), { gpuMemoryGb: [40, 40], label: 'the Ray cluster at x' }, local);
  assert.equal(on40.verdict, 'does-not-fit');
  assert.match(on40.lines.join(' '), /the Ray cluster at x's GPUs have 40 GB \(about 36\.8 GB usable\)/);
  assert.doesNotMatch(on40.wayOut.join(' '), /Split the model/);
  const q = checkCapacity(req('mistral-small-3.2-24b', { precision: '4bit' }), L4, local);
  assert.equal(q.estimate.perDeviceGb, 21.8);
  assert.equal(q.verdict, 'fits');
  assert.equal(checkCapacity(req('mistral-small-3.2-24b', { precision: '4bit' }), T4, local).verdict, 'does-not-fit');
});

test('Ministral 3: 3B fits a 16 GB T4 in bf16; 8B needs 4-bit on 24 GB; 14B needs more than 40 GB in bf16', () => {
  assert.equal(estimateMemory(req('ministral-3-3b')).perDeviceGb, 10.1);
  assert.equal(checkCapacity(req('ministral-3-3b'), T4, local).verdict, 'fits');
  assert.equal(estimateMemory(req('ministral-3-8b')).perDeviceGb, 23.3);
  assert.equal(checkCapacity(req('ministral-3-8b'), RTX_4090, local).verdict, 'does-not-fit');
  assert.equal(checkCapacity(req('ministral-3-8b', { precision: '4bit' }), RTX_4090, local).verdict, 'fits');
  assert.equal(estimateMemory(req('ministral-3-14b')).perDeviceGb, 37.1);
  assert.equal(checkCapacity(req('ministral-3-14b'), A100_40, local).verdict, 'does-not-fit');
  assert.equal(checkCapacity(req('ministral-3-14b'), A100_80, local).verdict, 'fits');
});

test('longer sequences and bigger batches grow the activations; workers need one GPU set each', () => {
  const base = estimateMemory(req('pixtral-12b'));
  const big = estimateMemory(req('pixtral-12b', { batchSize: 2, maxSeqLen: 8192 }));
  assert.equal(big.activationsGb, base.activationsGb * 4);
  const r = checkCapacity(req('ministral-3-3b', { workers: 4 }), { gpuMemoryGb: [16, 16], label: 'the Ray cluster at x' }, local);
  assert.equal(r.verdict, 'does-not-fit');
  assert.match(r.lines.join(' '), /need 4 GPUs; the Ray cluster at x has 2/);
});

test('no GPU: CPU training in fp32 RAM, said plainly; a hub id needs the hub and disk', () => {
  const tiny = { modelBillions: 0.004, modelName: 'tiny', precision: 'bf16' as const, workers: 1, gpusPerWorker: 0 };
  const r = checkCapacity(tiny, { gpuMemoryGb: [], ramGb: 16, label: 'this machine' }, local);
  assert.equal(r.verdict, 'cpu-only');
  assert.match(r.lines.join(' '), /trains on CPU \(it has no GPU\)/);
  assert.deepEqual(r.wayOut, []);
  const big = checkCapacity(req('pixtral-12b', { gpusPerWorker: 0 }), { gpuMemoryGb: [], ramGb: 16, label: 'this machine' }, local);
  assert.equal(big.verdict, 'does-not-fit');
  const hub = checkCapacity(req('pixtral-12b'), { ...A100_80, freeDiskGb: 10 }, { kind: 'hub-id' });
  assert.equal(hub.verdict, 'does-not-fit');
  assert.match(hub.lines.join(' '), /about 24\.8 GB\) are downloaded from the Hugging Face hub.*Only 10 GB of disk/);
});

test('the target\'s answer on the model source: a hub it cannot reach is refused with the way out, a cached id needs no download', () => {
  const id = 'mistral-community/pixtral-12b';
  const hubId = { kind: 'hub-id' as const, id };
  const unreachable = { kind: 'unreachable', ok: false, detail: `From the machine gpu1, https://huggingface.co cannot be reached (ConnectError) and ${id} is not in the Hugging Face cache there.` };
  const r = checkCapacity(req(id), { ...A100_80, modelSource: unreachable }, hubId);
  assert.equal(r.verdict, 'does-not-fit', 'an 80 GB card fits the model, but the weights cannot be had');
  assert.equal(r.sourceProblem, unreachable.detail);
  assert.ok(r.lines.includes(unreachable.detail));
  assert.match(r.wayOut[0]!, /hf download mistral-community\/pixtral-12b --local-dir <folder>.*give that folder as the base model/);
  assert.match(r.wayOut.join(' '), /HF_ENDPOINT on this machine/);
  assert.doesNotMatch(r.lines.join(' '), /are downloaded/);

  const gated = checkCapacity(req(id), { ...A100_80, label: 'the Ray cluster at http://h:8265', modelSource: { kind: 'gated', ok: false, detail: 'gated' } }, hubId);
  assert.equal(gated.verdict, 'does-not-fit');
  assert.match(gated.wayOut[0]!, /HF_TOKEN .* cluster's nodes/);
  const missing = checkCapacity(req(id), { ...A100_80, modelSource: { kind: 'missing', ok: false, detail: 'The model folder /m does not exist.' } }, local);
  assert.match(missing.wayOut[0]!, /a folder that exists on this machine/);
  assert.match(checkCapacity(req(id), { ...A100_80, modelSource: { kind: 'not-found', ok: false, detail: 'x' } }, hubId).wayOut[0]!, /Check the model id/);
  assert.match(checkCapacity(req(id), { ...A100_80, modelSource: { kind: 'bad-token', ok: false, detail: 'x' } }, hubId).wayOut[0]!, /Set a valid HF_TOKEN on this machine/);
  const fp8 = checkCapacity(req(id), { ...A100_80, modelSource: { kind: 'unsupported-format', ok: false, detail: 'It stores its weights in FP8: use the -BF16 repository.' } }, hubId);
  assert.equal(fp8.verdict, 'does-not-fit');
  assert.equal(fp8.sourceProblem, 'It stores its weights in FP8: use the -BF16 repository.');
  assert.match(fp8.wayOut[0]!, /transformers-format BF16 weights/);
  // A CPU-only target that would train: the source still decides.
  const tiny = { modelBillions: 0.004, modelName: 'tiny', precision: 'bf16' as const, workers: 1, gpusPerWorker: 0 };
  assert.equal(checkCapacity(tiny, { gpuMemoryGb: [], ramGb: 16, label: 'this machine', modelSource: unreachable }, hubId).verdict, 'does-not-fit');

  // Cached on the target: nothing to download, so too little disk for a download does not matter.
  const cached = checkCapacity(req(id), { ...A100_80, freeDiskGb: 1, modelSource: { kind: 'hub-cache', ok: true, detail: `${id} is in the Hugging Face cache on the machine gpu1.` } }, hubId);
  assert.equal(cached.verdict, 'fits');
  assert.match(cached.lines.join(' '), /in the Hugging Face cache on the machine gpu1\. Nothing to download\./);
  assert.equal(cached.sourceProblem, undefined);
  // Reachable, not cached: the download line and the disk check as before.
  const reachable = checkCapacity(req(id), { ...A100_80, freeDiskGb: 10, modelSource: { kind: 'hub', ok: true, detail: 'ok' } }, hubId);
  assert.equal(reachable.verdict, 'does-not-fit');
  assert.match(reachable.lines.join(' '), /about 24\.8 GB\) are downloaded from the Hugging Face hub by this machine: it answered just now\. Only 10 GB/);
  assert.equal(checkCapacity(req(id), { ...A100_80, freeDiskGb: 100, modelSource: { kind: 'hub', ok: true, detail: 'ok' } }, hubId).verdict, 'fits');
  // A folder the target has: no download line.
  assert.deepEqual(checkCapacity(req(id), { ...A100_80, modelSource: { kind: 'local-dir', ok: true, detail: 'ok' } }, local).lines.filter((l) => /download|cache/.test(l)), []);
});

test('a model of unknown size: its memory is not checked, its source is', () => {
  const target = { gpuMemoryGb: [], label: 'this machine' };
  const ok = checkSourceOnly({ ...target, modelSource: { kind: 'local-dir', ok: true, detail: 'ok' } }, { kind: 'local-dir', id: '/models/custom' });
  assert.equal(ok.verdict, 'fits');
  assert.deepEqual(ok.lines, ['The size of /models/custom is not known, so its memory is not checked.']);
  const bad = checkSourceOnly({ ...target, modelSource: { kind: 'not-found', ok: false, detail: 'https://huggingface.co has no model org/custom.' } }, { kind: 'hub-id', id: 'org/custom' });
  assert.equal(bad.verdict, 'does-not-fit');
  assert.equal(bad.sourceProblem, 'https://huggingface.co has no model org/custom.');
  // The trainer's env document carries it; an older trainer without it still parses.
  const env = trainerEnvSchema.parse({ python: '3.11', gpus: 0, model_source: { kind: 'hub-cache', ok: true, detail: 'd' } });
  assert.equal(env.model_source?.kind, 'hub-cache');
  assert.equal(trainerEnvSchema.parse({ python: '3.11' }).model_source, undefined);
});

test('a model too big for the target is refused for its size first, its unreachable source said too', () => {
  const r = checkCapacity(req('pixtral-12b'), { ...RTX_4090, modelSource: { kind: 'unreachable', ok: false, detail: 'No hub here.' } }, { kind: 'hub-id', id: 'mistral-community/pixtral-12b' });
  assert.equal(r.verdict, 'does-not-fit');
  assert.equal(r.sourceProblem, undefined, 'the headline is the size');
  assert.ok(r.lines.includes('No hub here.'));
  assert.match(r.wayOut.at(-1)!, /HF_ENDPOINT/);
});
