// The vLLM command that serves a trained adapter: quoted where a shell needs it, the tokenizer the adapter carries,
// a LoRA rank above vLLM's default raised to a rank vLLM accepts, and only for a finished job with an adapter.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { servingCommandOf, shellQuote, vllmServeCommand } from '../../../src/core/jobs/backends/servingCommand';

test('the command serves the adapter as a LoRA module with the tokenizer it was trained with', () => {
  const c = vllmServeCommand({ baseModel: 'mistral-community/pixtral-12b', adapter: '/data/jobs/local-run-1a2b/adapter', runDir: '/work/aid/.pixtune/runs/aid-300px' });
  assert.equal(c.model, 'pixtral-12b+local-run-1a2b');
  assert.equal(c.serve, 'vllm serve mistral-community/pixtral-12b --tokenizer /data/jobs/local-run-1a2b/adapter --tokenizer-mode mistral --enable-lora --lora-modules pixtral-12b+local-run-1a2b=/data/jobs/local-run-1a2b/adapter');
  assert.equal(c.evaluate, 'pixtune predict --run /work/aid/.pixtune/runs/aid-300px --provider openai --server-url http://127.0.0.1:8000/v1 --model pixtral-12b+local-run-1a2b');
});

test('ranks above 16 get --max-lora-rank, rounded up to one vLLM accepts; another port is passed on', () => {
  const args = (rank: number) => vllmServeCommand({ baseModel: 'b', adapter: '/a/adapter', loraRank: rank }).serve.match(/--max-lora-rank (\d+)/)?.[1];
  assert.equal(args(4), undefined);
  assert.equal(args(16), undefined);
  assert.equal(args(24), '32');
  assert.equal(args(64), '64');
  const c = vllmServeCommand({ baseModel: 'b', adapter: '/a/adapter', port: 8100, runDir: '/r' });
  assert.match(c.serve, / --port 8100$/);
  assert.match(c.evaluate!, /--server-url http:\/\/127\.0\.0\.1:8100\/v1/);
});

test('paths with spaces and quotes survive a real shell', () => {
  const adapter = "/home/me/GIS runs/O'Brien/adapter";
  const c = vllmServeCommand({ baseModel: '/models/Ministral 3 8B', adapter });
  // The shell splits the command back into exactly the arguments vLLM is meant to get.
  const argv = execFileSync('sh', ['-c', `printf '%s\\n' ${c.serve.replace(/^vllm /, '')}`], { encoding: 'utf8' }).trimEnd().split('\n');
  assert.deepEqual(argv, ['serve', '/models/Ministral 3 8B', '--tokenizer', adapter, '--tokenizer-mode', 'mistral', '--enable-lora', '--lora-modules', `Ministral 3 8B+O'Brien=${adapter}`]);
  assert.equal(shellQuote('plain-path/x_1.json'), 'plain-path/x_1.json');
});

test('only a finished training with an adapter has a serving command', () => {
  const v = { status: 'SUCCESS' as const, adapter: '/a/adapter', baseModel: 'm', hyperparameters: { lora_rank: 32 }, runDir: '/r' };
  assert.match(servingCommandOf(v)!.serve, /--max-lora-rank 32/);
  assert.equal(servingCommandOf({ ...v, status: 'RUNNING' }), undefined);
  assert.equal(servingCommandOf({ ...v, adapter: undefined }), undefined);
});
