// A client for the Ray Jobs REST API of a cluster's dashboard (http(s)://host:8265), written against
// Ray's own job server (python/ray/dashboard/modules/job/job_head.py, Ray 2.60): POST /api/jobs/,
// GET /api/jobs/ and /api/jobs/{id}, GET /api/jobs/{id}/logs (and its websocket /logs/tail), POST /api/jobs/{id}/stop, DELETE
// /api/jobs/{id}, GET/PUT /api/packages/{protocol}/{name}. Answers are zod-checked; 5xx and refused
// connections are retried (the same RetryPolicy as the Mistral client); every call takes an AbortSignal
// and has a timeout. The token (Ray's token authentication, on by default for local clusters since 2.59)
// goes only into the Authorization header: it is never part of a message, log line or file.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { z } from 'zod';
import { UserError } from '../../../errors';
import { nodeRequest } from '../../../mistral/httpTransport';
import { RetriesExhausted, RetryPolicy, type AttemptFailure, type RetryOptions } from '../../../mistral/retryPolicy';
import { assertKeyDestination } from '../../../net/keyDestination';
import type { LogTailTarget } from './rayLogFollower';

export const RAY_JOB_STATUSES = ['PENDING', 'RUNNING', 'STOPPED', 'SUCCEEDED', 'FAILED'] as const;
export type RayJobStatus = (typeof RAY_JOB_STATUSES)[number];

/** JobDetails as GET /api/jobs/{id} and the list return it (ray.dashboard.modules.job.pydantic_models). */
export const rayJobDetailsSchema = z.looseObject({
  type: z.string().nullish(),
  job_id: z.string().nullish(),
  submission_id: z.string().nullish(),
  status: z.enum(RAY_JOB_STATUSES),
  entrypoint: z.string(),
  message: z.string().nullish(),
  error_type: z.string().nullish(),
  /** ms since epoch. */
  start_time: z.number().nullish(),
  end_time: z.number().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  runtime_env: z.record(z.string(), z.unknown()).nullish(),
  driver_exit_code: z.number().nullish(),
});
export type RayJobDetails = z.infer<typeof rayJobDetailsSchema>;

const submitResponseSchema = z.looseObject({ submission_id: z.string(), job_id: z.string().nullish() });
const logsResponseSchema = z.looseObject({ logs: z.string() });
const stopResponseSchema = z.looseObject({ stopped: z.boolean() });
const deleteResponseSchema = z.looseObject({ deleted: z.boolean() });
const versionSchema = z.looseObject({ version: z.string(), ray_version: z.string() });
const clusterStatusSchema = z.looseObject({
  data: z.looseObject({ clusterStatus: z.looseObject({ loadMetricsReport: z.looseObject({ usage: z.record(z.string(), z.unknown()).optional() }).optional() }).nullish() }).optional(),
});

export interface RaySubmitRequest {
  entrypoint: string;
  submission_id?: string;
  runtime_env?: Record<string, unknown>;
  /** Ray accepts string values only. */
  metadata?: Record<string, string>;
  entrypoint_num_cpus?: number;
  entrypoint_num_gpus?: number;
}

export type RayErrorKind = 'auth' | 'not-found' | 'unreachable' | 'timeout' | 'http' | 'bad-answer';

export class RayError extends UserError {
  constructor(
    readonly kind: RayErrorKind,
    message: string,
    action?: string,
    detail?: string,
    readonly status?: number,
  ) {
    super(message, action, detail);
    this.name = 'RayError';
  }
}

export interface RayClientOptions {
  /** The dashboard address, e.g. http://127.0.0.1:8265. */
  address: string;
  token?: string;
  retry?: Partial<RetryOptions>;
  /** A package upload is abandoned when no byte moved for this long. */
  uploadStallMs?: number;
  /** What to tell the user when the token is missing or refused (the CLI and the extension differ). */
  tokenAction?: string;
}

class StatusFailure extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`HTTP ${status}`);
  }
}

/** The first line of a server's error text, without anything that looks like the token. */
function firstLine(body: string, token: string | undefined): string {
  const line = body.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
  const clean = token ? line.split(token).join('…') : line;
  return clean.replace(/Bearer\s+\S+/gi, 'Bearer …').slice(0, 300);
}

export class RayJobsClient {
  readonly address: string;
  private readonly policy: RetryPolicy;

  constructor(private readonly opts: RayClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.address);
    } catch {
      throw new RayError('bad-answer', `"${opts.address}" is not a Ray dashboard address.`, 'Give it as http://host:8265.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RayError('bad-answer', `"${opts.address}" is not an http(s) address.`, 'Give it as http://host:8265.');
    this.address = url.origin + url.pathname.replace(/\/+$/, '');
    // The token is a key: https anywhere, plain http only to this machine (core/net/keyDestination).
    if (opts.token) assertKeyDestination(this.address, 'Reach the dashboard over https, or through an SSH tunnel (ssh -L 8265:127.0.0.1:8265 <head node>) at http://127.0.0.1:8265.');
    this.policy = new RetryPolicy({ maxAttempts: 4, initialDelayMs: 300, timeoutMs: 30_000, ...opts.retry });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', 'user-agent': 'pixtune', ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}), ...extra };
  }

  private async call(method: string, path: string, body: unknown, opts: { signal?: AbortSignal; idempotent?: boolean } = {}): Promise<string> {
    const url = this.address + path;
    const classify = (err: unknown, ctx: { signal: AbortSignal }): AttemptFailure => {
      if (err instanceof StatusFailure) return { type: 'status', status: err.status };
      if (ctx.signal.aborted) return { type: 'timeout' };
      return { type: 'network' };
    };
    try {
      return await this.policy.run(
        async ({ signal }) => {
          // node:http, not fetch: Node's fetch sends Sec-Fetch-Mode, and Ray's dashboard refuses anything but GET
          // from what looks like a browser (405 "method not allowed for browser traffic").
          const data = Buffer.from(body === undefined ? '' : JSON.stringify(body));
          const headers = this.headers(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(data.length) });
          const res = await nodeRequest(new URL(url), method, headers, Readable.from(data.length ? [data] : []), signal);
          const text = await res.text();
          if (!res.ok) throw new StatusFailure(res.status, text);
          return text;
        },
        classify,
        { signal: opts.signal, idempotent: opts.idempotent ?? method === 'GET' },
      );
    } catch (err) {
      throw this.mapFailure(err, `${method} ${path}`);
    }
  }

  private mapFailure(err: unknown, what: string): unknown {
    if (!(err instanceof RetriesExhausted)) return err;
    const f = err.failure;
    const where = `the Ray cluster at ${this.address}`;
    if (err.last instanceof StatusFailure) {
      const { status, body } = err.last;
      const said = firstLine(body, this.opts.token);
      const tokenAction = this.opts.tokenAction ?? 'Set the cluster\'s token (RAY_AUTH_TOKEN) and try again.';
      if (status === 401) return new RayError('auth', `${where} asks for a token (its token authentication is on).`, tokenAction, `${what}: ${said}`, status);
      if (status === 403) return new RayError('auth', `${where} refused the token.`, tokenAction, `${what}: ${said}`, status);
      if (status === 404) return new RayError('not-found', `${where} does not know that ${what.includes('/packages/') ? 'package' : 'job'}.`, undefined, `${what}: ${said}`, status);
      return new RayError('http', `${where} answered ${status}${said ? `: ${said}` : '.'}`, undefined, `${what}`, status);
    }
    if (f.type === 'timeout') return new RayError('timeout', `${where} did not answer in time.`, 'Check that the dashboard is reachable and not overloaded.', what);
    return new RayError('unreachable', `Cannot reach ${where}.`, 'Check the address (the dashboard port, 8265 by default) and that the cluster is running.', what);
  }

  private parse<S extends z.ZodType>(text: string, schema: S, what: string): z.infer<S> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RayError('bad-answer', `The Ray dashboard at ${this.address} sent an answer that is not JSON (${what}).`, 'Check that the address is the dashboard of a Ray cluster.');
    }
    const p = schema.safeParse(value);
    if (!p.success) throw new RayError('bad-answer', `The Ray dashboard at ${this.address} sent an unexpected answer (${what}).`, undefined, p.error.message);
    return p.data;
  }

  async version(signal?: AbortSignal): Promise<z.infer<typeof versionSchema>> {
    return this.parse(await this.call('GET', '/api/version', undefined, { signal }), versionSchema, 'version');
  }

  async submit(req: RaySubmitRequest, signal?: AbortSignal): Promise<string> {
    // With a submission_id the POST is safe to repeat: Ray refuses a second job with the same id.
    const text = await this.call('POST', '/api/jobs/', req, { signal, idempotent: req.submission_id !== undefined });
    return this.parse(text, submitResponseSchema, 'submit').submission_id;
  }

  async get(id: string, signal?: AbortSignal): Promise<RayJobDetails> {
    return this.parse(await this.call('GET', `/api/jobs/${encodeURIComponent(id)}`, undefined, { signal }), rayJobDetailsSchema, 'job');
  }

  async list(signal?: AbortSignal): Promise<RayJobDetails[]> {
    return this.parse(await this.call('GET', '/api/jobs/', undefined, { signal }), z.array(rayJobDetailsSchema), 'job list');
  }

  async logs(id: string, signal?: AbortSignal): Promise<string> {
    return this.parse(await this.call('GET', `/api/jobs/${encodeURIComponent(id)}/logs`, undefined, { signal }), logsResponseSchema, 'logs').logs;
  }

  /** Where a job's log is streamed from (a websocket on the dashboard), with the same headers as every call. */
  logTailTarget(id: string): LogTailTarget {
    const url = new URL(`${this.address}/api/jobs/${encodeURIComponent(id)}/logs/tail`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return { url: url.toString(), headers: this.headers({ accept: 'text/plain' }) };
  }

  async stop(id: string, signal?: AbortSignal): Promise<boolean> {
    return this.parse(await this.call('POST', `/api/jobs/${encodeURIComponent(id)}/stop`, undefined, { signal, idempotent: true }), stopResponseSchema, 'stop').stopped;
  }

  async delete(id: string, signal?: AbortSignal): Promise<boolean> {
    return this.parse(await this.call('DELETE', `/api/jobs/${encodeURIComponent(id)}`, undefined, { signal, idempotent: true }), deleteResponseSchema, 'delete').deleted;
  }

  /** The cluster's resources (CPU, GPU, memory…: [used, total]) from the dashboard's cluster status. */
  async clusterUsage(signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
    const text = await this.call('GET', '/api/cluster_status', undefined, { signal });
    return this.parse(text, clusterStatusSchema, 'cluster status').data?.clusterStatus?.loadMetricsReport?.usage;
  }

  /** True when the cluster already holds the package (GET pins it for a while, so a submit right after finds it). */
  async packageExists(uri: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.call('GET', packagePath(uri), undefined, { signal });
      return true;
    } catch (err) {
      if (err instanceof RayError && err.kind === 'not-found') return false;
      throw err;
    }
  }

  /** Streams a zip file to PUT /api/packages/…; gives up when no byte moves for uploadStallMs. */
  async uploadPackage(uri: string, zipPath: string, signal?: AbortSignal, onProgress?: (sent: number, total: number) => void): Promise<void> {
    const total = (await stat(zipPath)).size;
    const url = new URL(this.address + packagePath(uri));
    const stallMs = this.opts.uploadStallMs ?? 60_000;
    const classify = (err: unknown): AttemptFailure => (err instanceof StatusFailure ? { type: 'status', status: err.status } : { type: 'network' });
    try {
      await this.policy.run(
        async () => {
          const stalled = new AbortController();
          let timer = setTimeout(() => stalled.abort(new Error('upload stalled')), stallMs);
          let sent = 0;
          const watch = new Transform({
            transform(chunk: Buffer, _enc, done) {
              clearTimeout(timer);
              timer = setTimeout(() => stalled.abort(new Error('upload stalled')), stallMs);
              sent += chunk.length;
              onProgress?.(sent, total);
              done(null, chunk);
            },
          });
          const body = createReadStream(zipPath).pipe(watch);
          try {
            // The per-attempt timeout of the policy would cut a large upload short: only stalls and the caller stop it.
            const both = signal ? AbortSignal.any([signal, stalled.signal]) : stalled.signal;
            const res = await nodeRequest(url, 'PUT', this.headers({ 'content-type': 'application/zip', 'content-length': String(total) }), body, both);
            if (!res.ok) throw new StatusFailure(res.status, await res.text());
          } finally {
            clearTimeout(timer);
          }
        },
        classify,
        { signal, idempotent: true },
      );
    } catch (err) {
      throw this.mapFailure(err, `PUT ${packagePath(uri)}`);
    }
  }
}

/** gcs://_ray_pkg_<hash>.zip → /api/packages/gcs/_ray_pkg_<hash>.zip (uri_to_http_components in Ray). */
export function packagePath(uri: string): string {
  const m = /^([a-z0-9]+):\/\/([^/]+)$/.exec(uri);
  if (!m) throw new Error(`Not a package URI: ${uri}`);
  return `/api/packages/${m[1]}/${encodeURIComponent(m[2]!)}`;
}
