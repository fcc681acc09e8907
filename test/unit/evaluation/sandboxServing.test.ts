// What the sandbox serves for evaluation: response_format honoured (the label enum constrains even the
// base model's invented labels), the OpenAI-compatible flavour's shapes and errors, a text-only model,
// and the per-model request counts of /sandbox/stats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../../src/core/sandbox/server';
import { makeRun, type RunFixture } from './runFixture';

let sandbox: Sandbox;
let fx: RunFixture;
let bodies: Record<string, unknown>[];

before(async () => {
  sandbox = await startSandbox({ port: 0, apiKey: 'sandbox' });
  fx = await makeRun({ perClass: 40, test: 0.5 }); // 100 test images: the base model invents ~5% of its labels
  bodies = (await readFile(join(fx.runDir, 'test.batch.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { body: Record<string, unknown> }).body);
});
after(async () => {
  await sandbox.close();
  await fx.cleanup();
});

async function post(path: string, body: unknown, key = 'sandbox'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const content = (json: Record<string, unknown>) => (json.choices as { message: { content: string } }[])[0]!.message.content;
const schema = (classes: string[]) => ({ type: 'json_schema', json_schema: { name: 'label', strict: true, schema: { type: 'object', properties: { label: { type: 'string', enum: classes } }, required: ['label'] } } });

test('without a schema the base model invents some labels; with the enum it never does, and answers bare JSON', async () => {
  let invented = 0;
  for (const body of bodies) {
    const free = await post('/v1/chat/completions', { ...body, model: 'pixtral-12b-latest' });
    const m = /"label":\s*"([^"]+)"/.exec(content(free.json));
    if (!fx.classes.includes(m![1]!)) invented++;
  }
  assert.ok(invented > 0, 'the base model makes up labels without constraint');
  for (const body of bodies) {
    const r = await post('/v1/chat/completions', { ...body, model: 'pixtral-12b-latest', response_format: schema(fx.classes) });
    assert.equal(r.status, 200);
    const parsed = JSON.parse(content(r.json)) as { label: string };
    assert.ok(fx.classes.includes(parsed.label), parsed.label);
  }
});

test('a text-only model is listed without vision and refuses images', async () => {
  const list = (await (await fetch(`${sandbox.url}/v1/models`, { headers: { authorization: 'Bearer sandbox' } })).json()) as { data: { id: string; capabilities: { vision: boolean } }[] };
  assert.equal(list.data.find((m) => m.id === 'codestral-latest')!.capabilities.vision, false);
  const r = await post('/v1/chat/completions', { ...bodies[0], model: 'codestral-latest' });
  assert.equal(r.status, 400);
  assert.match(String(r.json.message), /does not accept images/);
});

test('OpenAI flavour: short model objects, OpenAI response shape, OpenAI errors', async () => {
  const models = (await (await fetch(`${sandbox.url}/openai/v1/models`, { headers: { authorization: 'Bearer sandbox' } })).json()) as { object: string; data: Record<string, unknown>[] };
  assert.equal(models.object, 'list');
  assert.deepEqual(Object.keys(models.data[0]!).sort(), ['created', 'id', 'object', 'owned_by']);
  const ok = await post('/openai/v1/chat/completions', { ...bodies[0], model: 'pixtral-12b-latest', seed: 1, max_completion_tokens: 50 });
  assert.equal(ok.status, 200);
  assert.match(String(ok.json.id), /^chatcmpl-/);
  const choice = (ok.json.choices as Record<string, unknown>[])[0]!;
  assert.deepEqual(Object.keys(choice).sort(), ['finish_reason', 'index', 'logprobs', 'message']);
  assert.deepEqual(Object.keys(choice.message as object).sort(), ['content', 'refusal', 'role']);
  const unknown = await post('/openai/v1/chat/completions', { ...bodies[0], model: 'nope' });
  assert.equal(unknown.status, 404);
  assert.equal((unknown.json.error as { code: string }).code, 'model_not_found');
  const extra = await post('/openai/v1/chat/completions', { ...bodies[0], model: 'pixtral-12b-latest', safe_prompt: true });
  assert.equal(extra.status, 400);
  assert.match((extra.json.error as { message: string }).message, /Unrecognized request argument supplied: safe_prompt/);
  assert.equal((await post('/openai/v1/chat/completions', { ...bodies[0], model: 'pixtral-12b-latest' }, 'wrong')).status, 401);
});

test('/sandbox/stats counts requests per route and model', async () => {
  sandbox.resetStats();
  await post('/v1/chat/completions', { ...bodies[0], model: 'mistral-small-latest' });
  await post('/v1/chat/completions', { ...bodies[1], model: 'mistral-small-latest' });
  await post('/openai/v1/chat/completions', { ...bodies[0], model: 'pixtral-12b-latest' });
  const stats = sandbox.stats();
  assert.deepEqual(stats.models, { 'POST /v1/chat/completions': { 'mistral-small-latest': 2 }, 'POST /openai/v1/chat/completions': { 'pixtral-12b-latest': 1 } });
  assert.equal(stats.requests['POST /v1/chat/completions'], 2);
});
