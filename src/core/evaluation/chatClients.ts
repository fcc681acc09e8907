// The two ways a prediction reaches a model: Mistral (and the sandbox) through the SDK, via our
// MistralConnection, and any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, LM Studio)
// through a small zod-validated fetch transport of our own. Why our own and not the `openai` package:
// we need exactly two routes (models, chat completions), the same RetryPolicy (Retry-After, adaptive
// back-off) and the same key-redacting error mapping as every other call, and an optional key (local
// servers have none) — the package would add a dependency and a second retry layer to switch off.
// Both clients run a preflight before the first request: the server answers, the key works, the model
// is listed, not retired, and (where the server says) accepts images.
import { z } from 'zod';
import { UserError } from '../errors';
import { createMistralConnection, type ChatRequest, type MistralConnection } from '../mistral/connection';
import { MistralError, describeEndpoint, errorFromHttp, finalError, timeoutError, unreachableError } from '../mistral/errors';
import { joinUrl } from '../mistral/httpTransport';
import { assertKeyDestination } from '../net/keyDestination';
import { RetriesExhausted, RetryPolicy, type AttemptFailure } from '../mistral/retryPolicy';

export interface ChatAnswer {
  content: string;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens?: number };
}

export interface PredictionClient {
  /** Checks the server, the key and the model before anything is asked. */
  preflight(signal?: AbortSignal): Promise<void>;
  /** One answer for a test.batch.jsonl request body (wire format), with temperature 0. */
  complete(body: Record<string, unknown>, signal?: AbortSignal): Promise<ChatAnswer>;
}

export interface ClientOptions {
  provider: 'mistral' | 'openai';
  serverUrl: string;
  model: string;
  apiKey?: string;
  policy: RetryPolicy;
  /** What to tell the user when the key is rejected. */
  keyAction: string;
  /** A JSON schema the answer must follow (structured output), or undefined. */
  answerSchema?: Record<string, unknown>;
}

/** The JSON schema that constrains `label` to the class list (for servers with structured output). */
export function labelSchema(classes: string[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: { image_description: { type: 'string' }, label: { type: 'string', enum: classes } },
    required: ['label'],
    additionalProperties: false,
  };
}

type WireContent = string | { type?: string; text?: string; image_url?: unknown }[];

function messagesOf(body: Record<string, unknown>): { role: string; content: WireContent }[] {
  const messages = body.messages;
  if (!Array.isArray(messages) || !messages.length) throw new UserError('A test batch line has no messages.', 'Generate the training data again.');
  return messages as { role: string; content: WireContent }[];
}

/** Wire chunks (image_url as a string or {url}) → the SDK's camelCase chunks. */
function sdkMessages(body: Record<string, unknown>): ChatRequest['messages'] {
  return messagesOf(body).map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((c) => (c.type === 'image_url' ? { type: 'image_url', imageUrl: c.image_url } : { type: 'text', text: c.text ?? '' })),
  })) as ChatRequest['messages'];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : '')).join('');
  return '';
}

export function mistralClient(opts: ClientOptions, connection?: MistralConnection): PredictionClient {
  const conn = connection ?? createMistralConnection({ apiKey: opts.apiKey ?? '', serverUrl: opts.serverUrl, retry: opts.policy, keyAction: opts.keyAction });
  return {
    async preflight(signal) {
      const list = await conn.models.list(signal);
      const cards = (list.data ?? []).filter((m): m is Exclude<typeof m, { isUnknown: true }> => !('isUnknown' in m && m.isUnknown));
      const card = cards.find((m) => m.id === opts.model || (m.aliases ?? []).includes(opts.model));
      const where = describeEndpoint(conn.serverUrl);
      const vision = cards.filter((m) => m.capabilities?.vision).map((m) => m.id);
      const offer = vision.length ? `Vision models there: ${vision.slice(0, 12).join(', ')}${vision.length > 12 ? ', …' : ''}.` : undefined;
      if (!card) throw new UserError(`The model "${opts.model}" is not available on ${where}.`, offer);
      const deprecation = card.deprecation ? new Date(card.deprecation) : undefined;
      if (deprecation && deprecation.getTime() <= Date.now()) {
        throw new UserError(`The model "${opts.model}" was retired on ${deprecation.toISOString().slice(0, 10)}.`, offer);
      }
      if (!card.capabilities?.vision) throw new UserError(`The model "${opts.model}" cannot see images (the server lists it without vision).`, offer);
    },
    async complete(body, signal) {
      const res = await conn.chat.complete(
        {
          model: opts.model,
          messages: sdkMessages(body),
          temperature: 0,
          ...(opts.answerSchema ? { responseFormat: { type: 'json_schema', jsonSchema: { name: 'pixtune_label', schemaDefinition: opts.answerSchema, strict: true } } } : {}),
        },
        signal,
      );
      const u = res.usage;
      return {
        content: textOf(res.choices?.[0]?.message?.content),
        ...(u ? { usage: { prompt_tokens: u.promptTokens ?? 0, completion_tokens: u.completionTokens ?? 0, total_tokens: u.totalTokens ?? undefined } } : {}),
      };
    },
  };
}

const openAiModels = z.object({ data: z.array(z.object({ id: z.string() }).passthrough()) }).passthrough();
const openAiChat = z
  .object({
    choices: z.array(z.object({ message: z.object({ content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional() }).passthrough() }).passthrough()).min(1),
    usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number().optional() }).passthrough().nullish(),
  })
  .passthrough();

class StatusFailure extends Error {
  constructor(readonly status: number, readonly retryAfter: string | null, readonly body: unknown) {
    super(`HTTP ${status}`);
  }
}

/** `http://host:8000` and `http://host:8000/v1` both mean the server whose routes are under /v1. */
export function openAiBase(serverUrl: string): string {
  const u = serverUrl.replace(/\/+$/, '');
  return /\/v1$/.test(u) ? u : `${u}/v1`;
}

export function openAiClient(opts: ClientOptions): PredictionClient {
  const base = openAiBase(opts.serverUrl);
  // Without a key (a local vLLM, Ollama) any URL will do; with one, only https or this machine.
  if (opts.apiKey) assertKeyDestination(base);
  const call = async <S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S, body: unknown, signal: AbortSignal | undefined, model?: string): Promise<z.infer<S>> => {
    const url = joinUrl(base, path);
    const headers: Record<string, string> = { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    const classify = (err: unknown, ctx: { signal: AbortSignal }): AttemptFailure => {
      if (err instanceof StatusFailure) return { type: 'status', status: err.status, retryAfter: err.retryAfter };
      if (err instanceof UserError) return { type: 'fatal' };
      return ctx.signal.aborted ? { type: 'timeout' } : { type: 'network' };
    };
    try {
      return await opts.policy.run(
        async (ctx) => {
          const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: ctx.signal });
          const text = await res.text();
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            // an HTML error page or plain text: kept as text for the message
          }
          if (!res.ok) throw new StatusFailure(res.status, res.headers.get('retry-after'), json);
          const parsed = schema.safeParse(json);
          if (!parsed.success) {
            throw new UserError(`The answer of ${describeEndpoint(url)} is not an OpenAI-compatible response.`, 'Check that the server URL points to an OpenAI-compatible server (vLLM, llama.cpp, Ollama, LM Studio).');
          }
          return parsed.data;
        },
        classify,
        { signal, idempotent: method === 'GET' },
      );
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      const last = err instanceof RetriesExhausted ? err.last : err;
      let mapped: unknown = last;
      if (last instanceof StatusFailure) {
        const said = (last.body as { error?: { message?: unknown } })?.error?.message;
        const body = typeof said === 'string' ? { message: said } : last.body;
        mapped = errorFromHttp({ status: last.status, body, url: String(url), family: 'chat', model, keyAction: opts.keyAction });
      } else if (err instanceof RetriesExhausted && err.failure.type === 'timeout') mapped = timeoutError(String(url), opts.policy.options.timeoutMs);
      else if (err instanceof RetriesExhausted && err.failure.type === 'network') mapped = unreachableError(String(url), last);
      // Our own "not an OpenAI-compatible response" is already a plain sentence without the key.
      if (mapped instanceof UserError && !(mapped instanceof MistralError)) throw mapped;
      throw finalError(mapped, url, opts.apiKey);
    }
  };
  return {
    async preflight(signal) {
      const list = await call('GET', '/models', openAiModels, undefined, signal);
      const ids = list.data.map((m) => m.id);
      if (!ids.includes(opts.model)) {
        throw new UserError(`The model "${opts.model}" is not served by ${describeEndpoint(base)}.`, ids.length ? `It serves: ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? ', …' : ''}.` : undefined);
      }
    },
    async complete(body, signal) {
      const messages = messagesOf(body).map((m) => ({
        role: m.role,
        content: typeof m.content === 'string' ? m.content : m.content.map((c) => (c.type === 'image_url' ? { type: 'image_url', image_url: typeof c.image_url === 'string' ? { url: c.image_url } : c.image_url } : { type: 'text', text: c.text ?? '' })),
      }));
      const request = {
        model: opts.model,
        messages,
        temperature: 0,
        ...(opts.answerSchema ? { response_format: { type: 'json_schema', json_schema: { name: 'pixtune_label', schema: opts.answerSchema, strict: true } } } : {}),
      };
      const res = await call('POST', '/chat/completions', openAiChat, request, signal, opts.model);
      const u = res.usage;
      return { content: textOf(res.choices[0]!.message.content), ...(u ? { usage: { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, ...(u.total_tokens !== undefined ? { total_tokens: u.total_tokens } : {}) } } : {}) };
    },
  };
}

export function predictionClient(opts: ClientOptions): PredictionClient {
  return opts.provider === 'openai' ? openAiClient(opts) : mistralClient(opts);
}
