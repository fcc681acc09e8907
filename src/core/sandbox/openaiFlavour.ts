// The sandbox as an OpenAI-compatible server, the way vLLM, llama.cpp server, Ollama and LM Studio
// serve open-weight models: base URL `<sandbox>/openai/v1`, `GET /models` with OpenAI's short model
// objects (no capabilities: such servers do not say whether a model sees), `POST /chat/completions`
// with OpenAI's request keys, response shape and `{"error": {...}}` bodies. The answers are the same
// vision model's as on the Mistral routes.
import { completeChat, type TrainedModel } from './chatCompletion';
import type { FineTunedModel, BaseModelSpec } from './modelCatalog';
import { HttpError, isRecord, nowSeconds } from './wire';

export const OPENAI_PREFIX = '/openai/v1';

/** Request keys of OpenAI's chat completions that a vLLM-style server accepts. */
const OPENAI_KEYS = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stream', 'stop', 'seed', 'n',
  'response_format', 'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs',
  'user', 'logit_bias', 'parallel_tool_calls', 'store', 'metadata', 'service_tier', 'stream_options',
]);

/** Keys passed on to the shared chat model (the others shape sampling, which the sandbox ignores). */
const PASSED_ON = ['model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'response_format'];

export function openAiError(status: number, message: string, type: string, code: string | null = null): HttpError {
  return new HttpError(status, { error: { message, type, param: null, code } });
}

export function openAiModelList(base: BaseModelSpec[], tuned: FineTunedModel[]): Record<string, unknown> {
  const created = 1_735_689_600;
  return {
    object: 'list',
    data: [
      ...base.map((m) => ({ id: m.id, object: 'model', created, owned_by: 'pixtune-sandbox' })),
      ...tuned.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'pixtune-sandbox', root: m.root, parent: m.root })),
    ],
  };
}

export async function completeChatOpenAi(body: unknown, lookupFineTuned: (id: string) => TrainedModel | undefined, knownModel: (id: string) => boolean): Promise<Record<string, unknown>> {
  if (!isRecord(body)) throw openAiError(400, 'The request body must be a JSON object.', 'invalid_request_error');
  const extra = Object.keys(body).filter((k) => !OPENAI_KEYS.has(k));
  if (extra.length) throw openAiError(400, `Unrecognized request argument supplied: ${extra.join(', ')}`, 'invalid_request_error');
  if (typeof body.model === 'string' && !knownModel(body.model)) {
    throw openAiError(404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
  }
  const forwarded: Record<string, unknown> = {};
  for (const k of PASSED_ON) if (k in body) forwarded[k] = body[k];
  if (body.max_completion_tokens !== undefined && forwarded.max_tokens === undefined) forwarded.max_tokens = body.max_completion_tokens;
  let answer: Record<string, unknown>;
  try {
    answer = await completeChat(forwarded, lookupFineTuned);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    const b = err.body as { message?: unknown; detail?: unknown };
    const message = typeof b?.message === 'string' ? b.message : JSON.stringify(b?.detail ?? b);
    throw openAiError(err.status === 422 ? 400 : err.status, message, 'invalid_request_error');
  }
  const choices = (answer.choices as { index: number; message: { content: string }; finish_reason: string }[]).map((c) => ({
    index: c.index,
    message: { role: 'assistant', content: c.message.content, refusal: null },
    logprobs: null,
    finish_reason: c.finish_reason,
  }));
  return {
    id: `chatcmpl-${String(answer.id)}`,
    object: 'chat.completion',
    created: nowSeconds(),
    model: answer.model,
    choices,
    usage: answer.usage,
    system_fingerprint: null,
  };
}
