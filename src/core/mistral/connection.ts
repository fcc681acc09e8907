// The one object the extension, the CLI and the tests use to talk to Mistral (or the sandbox, or
// another compatible server). Files/batch/chat/models go through the official SDK (loaded on first
// use, so activation never pays for it); fine-tuning jobs and uploads through our own fetch client.
// Both share one RetryPolicy: the SDK's own retries are off and each SDK call is one attempt of ours.
import type { Mistral } from '@mistralai/mistralai';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import {
  EXTENSION_KEY_ACTION,
  MistralError,
  describeEndpoint,
  errorFromHttp,
  redactError,
  finalError,
  timeoutError,
  unreachableError,
  type RouteFamily,
} from './errors';
import { FineTuningJobsClient } from './fineTuningJobsClient';
import { MistralTransport, joinUrl, type FetchFn } from './httpTransport';
import { RetriesExhausted, RetryPolicy, type AttemptFailure, type RetryOptions } from './retryPolicy';
import { uploadFile, type FilePurpose, type ProgressCallback, type UploadOptions, type UploadResult } from './fileUpload';
import { uploadedFileSchema, type UploadedFile } from './wireSchemas';
import { waitForJob, type WaitForJobOptions } from './waitForJob';
import type { FineTuningJob } from './wireSchemas';

export const DEFAULT_SERVER_URL = 'https://api.mistral.ai';

export interface ConnectionOptions {
  apiKey: string;
  serverUrl?: string;
  /** Retry/backoff settings, or a ready policy (tests pass one with a recording sleep). */
  retry?: Partial<RetryOptions> | RetryPolicy;
  /** Per-attempt timeout; overrides retry.timeoutMs. */
  timeoutMs?: number;
  fetch?: FetchFn;
  /** What to tell the user when the key is rejected. */
  keyAction?: string;
}

type Sdk = Mistral;
type SdkFiles = Sdk['files'];
type SdkBatch = Sdk['batch']['jobs'];
export type ModelList = Awaited<ReturnType<Sdk['models']['list']>>;
export type ChatRequest = Parameters<Sdk['chat']['complete']>[0];
export type ChatResponse = Awaited<ReturnType<Sdk['chat']['complete']>>;
export type FileListQuery = NonNullable<Parameters<SdkFiles['list']>[0]>;
export type FileList = Awaited<ReturnType<SdkFiles['list']>>;
export type FileInfo = Awaited<ReturnType<SdkFiles['retrieve']>>;
export type FileDeleted = Awaited<ReturnType<SdkFiles['delete']>>;
export type BatchCreateRequest = Parameters<SdkBatch['create']>[0];
export type BatchJob = Awaited<ReturnType<SdkBatch['get']>>;
export type BatchListQuery = NonNullable<Parameters<SdkBatch['list']>[0]>;
export type BatchList = Awaited<ReturnType<SdkBatch['list']>>;

interface SdkCallOptions {
  path: string;
  family?: RouteFamily;
  idempotent?: boolean;
  signal?: AbortSignal;
  model?: string;
}

/** SDK errors duck-typed, so the SDK module need not be loaded to classify them. */
function sdkStatus(err: unknown): { status: number; headers?: Headers; body?: string } | undefined {
  const e = err as { statusCode?: unknown; headers?: Headers; body?: unknown; name?: string };
  if (e && typeof e.statusCode === 'number' && e.name !== 'ResponseValidationError') {
    return { status: e.statusCode, headers: e.headers, body: typeof e.body === 'string' ? e.body : undefined };
  }
  return undefined;
}

function parseMaybeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class MistralConnection {
  readonly serverUrl: string;
  readonly policy: RetryPolicy;
  readonly transport: MistralTransport;
  readonly jobs: FineTuningJobsClient;
  private sdkPromise: Promise<Sdk> | undefined;
  private readonly apiKey: string;
  private readonly keyAction: string;
  private readonly fetchFn: FetchFn;

  constructor(opts: ConnectionOptions) {
    this.apiKey = opts.apiKey;
    this.serverUrl = (opts.serverUrl ?? DEFAULT_SERVER_URL).replace(/\/+$/, '');
    this.keyAction = opts.keyAction ?? EXTENSION_KEY_ACTION;
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.policy =
      opts.retry instanceof RetryPolicy
        ? opts.retry
        : new RetryPolicy({ ...opts.retry, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    this.transport = new MistralTransport({ serverUrl: this.serverUrl, apiKey: this.apiKey, policy: this.policy, fetch: this.fetchFn, keyAction: this.keyAction });
    this.jobs = new FineTuningJobsClient(this.transport);
  }

  private sdk(): Promise<Sdk> {
    this.sdkPromise ??= import('@mistralai/mistralai').then(({ Mistral, HTTPClient }) => {
      const fetcher = (input: RequestInfo | URL, init?: RequestInit) => this.fetchFn(input as string | URL | Request, init);
      return new Mistral({
        apiKey: this.apiKey,
        serverURL: this.serverUrl,
        // Retries are ours (RetryPolicy.run around each call); two layers would multiply them.
        retryConfig: { strategy: 'none' },
        httpClient: new HTTPClient({ fetcher }),
      });
    });
    return this.sdkPromise;
  }

  /** Runs one SDK call under our retry policy and maps its failure to a MistralError. */
  private async sdkCall<T>(run: (sdk: Sdk, opts: { signal: AbortSignal }) => Promise<T>, o: SdkCallOptions): Promise<T> {
    const sdk = await this.sdk();
    const url = joinUrl(this.serverUrl, o.path);
    const classify = (err: unknown, ctx: { signal: AbortSignal }): AttemptFailure => {
      const s = sdkStatus(err);
      if (s) return { type: 'status', status: s.status, retryAfter: s.headers?.get('retry-after') };
      const name = (err as { name?: string })?.name;
      if (name === 'RequestTimeoutError' || (name === 'RequestAbortedError' && ctx.signal.aborted)) return { type: 'timeout' };
      if (name === 'ConnectionError') return { type: 'network' };
      return { type: 'fatal' };
    };
    try {
      return await this.policy.run((ctx) => run(sdk, { signal: ctx.signal }), classify, { signal: o.signal, idempotent: o.idempotent ?? true });
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason ?? err;
      const last = err instanceof RetriesExhausted ? err.last : err;
      const s = sdkStatus(last);
      let mapped: unknown = last;
      if (s) {
        mapped = errorFromHttp({ status: s.status, body: parseMaybeJson(s.body), url: String(url), family: o.family ?? 'other', model: o.model, keyAction: this.keyAction });
      } else if (err instanceof RetriesExhausted && err.failure.type === 'timeout') {
        mapped = timeoutError(String(url), this.policy.options.timeoutMs);
      } else if (err instanceof RetriesExhausted && err.failure.type === 'network') {
        mapped = unreachableError(String(url), last);
      } else if ((last as { name?: string })?.name === 'ResponseValidationError') {
        mapped = new MistralError('bad-response', `The server's answer from ${describeEndpoint(url)} did not have the expected shape.`, 'Check that the server URL points to the Mistral API or a compatible server.', String((last as Error).message).slice(0, 500));
      }
      throw finalError(mapped, url, this.apiKey);
    }
  }

  readonly models = {
    list: (signal?: AbortSignal): Promise<ModelList> => this.sdkCall((sdk, o) => sdk.models.list({}, o), { path: '/v1/models', signal }),
    /** Ids of the models whose capabilities say vision, base models first. */
    visionModelIds: async (signal?: AbortSignal): Promise<string[]> => {
      const list = await this.models.list(signal);
      const cards = (list.data ?? []).filter((m): m is Exclude<typeof m, { isUnknown: true }> => !('isUnknown' in m && m.isUnknown));
      return cards
        .filter((m) => m.capabilities?.vision)
        .sort((a, b) => Number(a.type === 'fine-tuned') - Number(b.type === 'fine-tuned'))
        .map((m) => m.id);
    },
  };

  readonly files = {
    /** Streams the file from disk; reuses a server file with the same content (see fileUpload.ts). */
    upload: (path: string, purpose: FilePurpose, onProgress?: ProgressCallback, signal?: AbortSignal, opts: Omit<UploadOptions, 'onProgress' | 'signal'> = {}): Promise<UploadResult> =>
      uploadFile(
        {
          transport: this.transport,
          retrieve: async (id, s) => {
            try {
              return await this.transport.json('GET', `/v1/files/${encodeURIComponent(id)}`, uploadedFileSchema, undefined, { signal: s });
            } catch (err) {
              if (err instanceof MistralError && err.status === 404) return undefined;
              throw err;
            }
          },
          list: async (p, s) => {
            const res = await this.files.list({ purpose: p as FileListQuery['purpose'], pageSize: 1000 }, s);
            return (res.data ?? []).map((f) => ({ ...f, bytes: f.sizeBytes, created_at: f.createdAt, sample_type: f.sampleType }) as UploadedFile);
          },
        },
        path,
        purpose,
        { ...opts, onProgress, signal },
      ),
    list: (query: FileListQuery = {}, signal?: AbortSignal): Promise<FileList> => this.sdkCall((sdk, o) => sdk.files.list(query, o), { path: '/v1/files', signal }),
    get: (fileId: string, signal?: AbortSignal): Promise<FileInfo> => this.sdkCall((sdk, o) => sdk.files.retrieve({ fileId }, o), { path: `/v1/files/${fileId}`, signal }),
    delete: (fileId: string, signal?: AbortSignal): Promise<FileDeleted> => this.sdkCall((sdk, o) => sdk.files.delete({ fileId }, o), { path: `/v1/files/${fileId}`, signal, idempotent: true }),
    /** The raw bytes as a stream (the caller must consume or cancel it). */
    content: (fileId: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> =>
      this.sdkCall((sdk, o) => sdk.files.download({ fileId }, o), { path: `/v1/files/${fileId}/content`, signal }),
    /** Saves a file's content to `destPath` atomically (temp file + rename). */
    download: async (fileId: string, destPath: string, signal?: AbortSignal): Promise<void> => {
      const stream = await this.files.content(fileId, signal);
      await mkdir(dirname(destPath), { recursive: true });
      const tmp = `${destPath}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await pipeline(Readable.fromWeb(stream as import('node:stream/web').ReadableStream), createWriteStream(tmp), { signal });
        await rename(tmp, destPath);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
  };

  readonly batch = {
    create: (request: BatchCreateRequest, signal?: AbortSignal): Promise<BatchJob> =>
      this.sdkCall((sdk, o) => sdk.batch.jobs.create(request, o), { path: '/v1/batch/jobs', signal, idempotent: false, family: 'chat', model: request.model ?? undefined }),
    get: (jobId: string, signal?: AbortSignal): Promise<BatchJob> => this.sdkCall((sdk, o) => sdk.batch.jobs.get({ jobId }, o), { path: `/v1/batch/jobs/${jobId}`, signal }),
    list: (query: BatchListQuery = {}, signal?: AbortSignal): Promise<BatchList> => this.sdkCall((sdk, o) => sdk.batch.jobs.list(query, o), { path: '/v1/batch/jobs', signal }),
    cancel: (jobId: string, signal?: AbortSignal): Promise<BatchJob> =>
      this.sdkCall((sdk, o) => sdk.batch.jobs.cancel({ jobId }, o), { path: `/v1/batch/jobs/${jobId}/cancel`, signal, idempotent: true }),
  };

  readonly chat = {
    /**
     * One chat completion. A retired or unknown model becomes a 'model-unavailable' error that
     * names the model and lists the server's current vision models.
     */
    complete: async (request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> => {
      try {
        return await this.sdkCall((sdk, o) => sdk.chat.complete(request, o), { path: '/v1/chat/completions', signal, idempotent: false, family: 'chat', model: request.model });
      } catch (err) {
        if (err instanceof MistralError && err.kind === 'model-unavailable') throw await this.withVisionModels(err, request.model, signal);
        throw err;
      }
    },
  };

  private async withVisionModels(err: MistralError, model: string, signal?: AbortSignal): Promise<MistralError> {
    let ids: string[] = [];
    try {
      ids = await this.models.visionModelIds(signal);
    } catch {
      // the listing is a courtesy; the original error still stands
    }
    const list = ids.length ? ` Current vision models: ${ids.join(', ')}.` : '';
    return redactError(
      new MistralError(err.kind, `The model "${model}" is retired or unknown on this server.${list}`, 'Choose one of the current vision models.', err.detail, err.status, err.endpoint),
      this.apiKey,
    );
  }

  /** Polls a job until it ends (or `until` says stop), backing off while nothing changes. */
  waitForJob(jobId: string, opts: WaitForJobOptions = {}): Promise<FineTuningJob> {
    return waitForJob((id, s) => this.jobs.get(id, s), jobId, opts);
  }
}

export function createMistralConnection(opts: ConnectionOptions): MistralConnection {
  if (!opts.apiKey) throw new MistralError('auth', 'No API key is set.', opts.keyAction ?? EXTENSION_KEY_ACTION);
  return new MistralConnection(opts);
}
