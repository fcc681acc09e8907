// Our own HTTP calls to Mistral (fine-tuning jobs, which SDK 2.7.0 no longer has, and streamed
// uploads): same base URL, key, retry policy and error mapping as the SDK calls.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { RetriesExhausted, type AttemptFailure, type RetryPolicy } from './retryPolicy';
import {
  MistralError,
  errorFromHttp,
  redactError,
  finalError,
  timeoutError,
  unreachableError,
  describeEndpoint,
  type RouteFamily,
} from './errors';
import { assertKeyDestination } from '../net/keyDestination';

export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface TransportConfig {
  serverUrl: string;
  apiKey: string;
  policy: RetryPolicy;
  fetch?: FetchFn;
  /** Action shown when the key is rejected ("Run Pixtune: Set API Key." or the CLI's env hint). */
  keyAction: string;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | Date | undefined | null>;
  family?: RouteFamily;
  idempotent?: boolean;
  signal?: AbortSignal;
  model?: string;
  /** The body is a stream (an upload): the timeout is on inactivity, not the whole request. */
  streaming?: boolean;
}

/** A failed HTTP status carried out of an attempt so the policy can decide on a retry. */
class StatusFailure extends Error {
  constructor(readonly status: number, readonly retryAfter: string | null, readonly body: unknown) {
    super(`HTTP ${status}`);
  }
}

/** Thrown by an attempt for a non-retryable local problem (e.g. a file that vanished). */
export class FatalAttemptError extends Error {}

/**
 * A streamed request over node:http(s). Used for uploads only: fetch (undici) with a streamed body
 * ends up holding most of a large file in memory, node:http's pipe honours socket back-pressure.
 * Answers are wrapped in a fetch Response so the rest of the transport is the same.
 */
export function nodeRequest(url: URL, method: string, headers: Record<string, string>, body: Readable, signal: AbortSignal, onActivity: () => void = () => undefined): Promise<Response> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(url, { method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        onActivity();
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: h }));
      });
    });
    req.on('error', (err) => {
      body.destroy();
      reject(err);
    });
    body.on('error', (err) => req.destroy(err));
    // Each chunk the socket accepts is progress (pipe honours back-pressure, so a stalled peer stops it).
    body.on('data', () => onActivity());
    body.pipe(req);
  });
}

export function joinUrl(serverUrl: string, path: string, query?: CallOptions['query']): URL {
  const url = new URL(serverUrl.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    url.searchParams.set(k, v instanceof Date ? v.toISOString() : String(v));
  }
  return url;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class MistralTransport {
  private readonly fetchFn: FetchFn;

  constructor(readonly config: TransportConfig) {
    // Every call carries the key, the SDK's included (MistralConnection builds this first): refuse before any.
    assertKeyDestination(config.serverUrl);
    this.fetchFn = config.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Sends a request (rebuilding its body for every attempt) and returns the 2xx Response.
   * Non-2xx answers and network failures are retried per the policy, then mapped to MistralError.
   */
  async send(
    method: string,
    path: string,
    /** Called once per attempt. A Node Readable body is sent with node:http(s) (see nodeRequest). */
    makeBody: (() => { body: BodyInit | Readable; headers: Record<string, string> }) | undefined,
    opts: CallOptions = {},
  ): Promise<Response> {
    const url = joinUrl(this.config.serverUrl, path, opts.query);
    const classify = (err: unknown, ctx: { signal: AbortSignal }): AttemptFailure => {
      if (err instanceof StatusFailure) return { type: 'status', status: err.status, retryAfter: err.retryAfter };
      if (err instanceof FatalAttemptError || err instanceof MistralError) return { type: 'fatal' };
      if (ctx.signal.aborted) return { type: 'timeout' };
      return { type: 'network' };
    };
    try {
      return await this.config.policy.run(
        async ({ signal, active }) => {
          const built = makeBody?.();
          if (built?.body instanceof Readable) {
            const res = await nodeRequest(url, method, { authorization: `Bearer ${this.config.apiKey}`, accept: 'application/json', ...built.headers }, built.body, signal, active);
            if (res.ok) return res;
            throw new StatusFailure(res.status, res.headers.get('retry-after'), await readBody(res));
          }
          const init: RequestInit = {
            method,
            signal,
            headers: { authorization: `Bearer ${this.config.apiKey}`, accept: 'application/json', ...built?.headers },
            body: built?.body as BodyInit | undefined,
          };
          const res = await this.fetchFn(url, init);
          if (res.ok) return res;
          throw new StatusFailure(res.status, res.headers.get('retry-after'), await readBody(res));
        },
        classify,
        // Streamed bodies time out on inactivity, not on total duration (see RunOptions.timeout).
        { signal: opts.signal, idempotent: opts.idempotent ?? method === 'GET', timeout: opts.streaming ? 'idle' : 'whole' },
      );
    } catch (err) {
      throw this.mapFailure(err, url, opts);
    }
  }

  /** Sends and validates a JSON answer against `schema`. */
  async json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body: unknown,
    opts: CallOptions = {},
  ): Promise<z.infer<S>> {
    const makeBody = body === undefined ? undefined : () => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const res = await this.send(method, path, makeBody, opts);
    return this.parse(res, schema, joinUrl(this.config.serverUrl, path));
  }

  async parse<S extends z.ZodType>(res: Response, schema: S, url: URL): Promise<z.infer<S>> {
    const body = await readBody(res);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw redactError(
        new MistralError(
          'bad-response',
          `The server's answer from ${describeEndpoint(url)} did not have the expected shape.`,
          'Check that the server URL points to the Mistral API or a compatible server.',
          issue ? `${issue.path.join('.')}: ${issue.message}` : undefined,
          res.status,
          describeEndpoint(url),
        ),
        this.config.apiKey,
      );
    }
    return parsed.data;
  }

  mapFailure(err: unknown, url: URL, opts: CallOptions): unknown {
    if (opts.signal?.aborted) return opts.signal.reason ?? err;
    const last = err instanceof RetriesExhausted ? err.last : err;
    let mapped: unknown = last;
    if (last instanceof StatusFailure) {
      mapped = errorFromHttp({ status: last.status, body: last.body, url: String(url), family: opts.family ?? 'other', model: opts.model, keyAction: this.config.keyAction });
    } else if (err instanceof RetriesExhausted && err.failure.type === 'timeout') {
      mapped = timeoutError(String(url), this.config.policy.options.timeoutMs, opts.streaming);
    } else if (err instanceof RetriesExhausted && err.failure.type === 'network') {
      mapped = unreachableError(String(url), last);
    }
    return finalError(mapped, url, this.config.apiKey);
  }
}
