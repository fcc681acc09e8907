// The Pixtune sandbox: a local Mistral-compatible server with the real paths, field names and error
// shapes for the endpoints Pixtune uses, simulated fine-tuning jobs, and a small deterministic vision
// model. Start it with `startSandbox({ port: 0 })` (tests) or `pixtune sandbox` (users).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { BatchJobStore } from './batchJobs';
import { completeChat } from './chatCompletion';
import { FaultInjector, parseFaultSpec, type FaultRule } from './faults';
import { FileStore, fileWire, notFound } from './fileStore';
import { FineTuningJobStore } from './fineTuningJobs';
import { BASE_MODELS, baseModelCard, fineTunedModelCard, resolveBaseModel } from './modelCatalog';
import { MultipartError, boundaryOf, parseMultipartToDisk, removeStoredParts } from './multipart';
import { BodyBudget, RequestCounts, createSandboxTempDir, hostAllowed, randomSandboxKey } from './exposure';
import { HttpError, apiError, sendJson, unauthorized, validationError } from './wire';
import { ModelCounts } from './modelCounts';
import { OPENAI_PREFIX, completeChatOpenAi, openAiModelList } from './openaiFlavour';

/**
 * available: jobs run (the legacy service); retired: every job route answers 410 Gone (Mistral since
 * August 2026); rejecting: create answers 422 "Model not available…" (Mistral from March 2026).
 */
export type FineTuningMode = 'available' | 'retired' | 'rejecting';

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** The only key accepted; default: a random key for each start (Sandbox.apiKey). */
  apiKey?: string;
  fineTuning?: FineTuningMode;
  /** Job/batch speed-up factor: 1 ≈ a few seconds per job; tests use 20–100. */
  speed?: number;
  faults?: FaultRule[] | string;
  /** Largest accepted upload, bytes (default 512 MB, the documented limit). */
  maxUploadBytes?: number;
  /** JSON request bodies held in memory at once across requests (default 256 MB). */
  jsonBudgetBytes?: number;
  /** Where the upload folder is made (default the OS temp folder). */
  tempParent?: string;
}

export interface SandboxStats {
  /** "METHOD /route/{template}" → number of requests received (including faulted and refused ones). */
  requests: Record<string, number>;
  /** Route ("POST /v1/chat/completions", "batch" for batch lines) → model → requests answered for it. */
  models: Record<string, Record<string, number>>;
  /** Bytes of JSON request bodies held in memory right now (bounded by SandboxOptions.jsonBudgetBytes). */
  jsonBytesInMemory: number;
}

export interface Sandbox {
  url: string;
  port: number;
  /** The key this sandbox accepts (random per start unless SandboxOptions.apiKey set one). */
  apiKey: string;
  /** Its upload folder (removed by close, and when the process exits). */
  tempDir: string;
  faults: FaultInjector;
  stats(): SandboxStats;
  resetStats(): void;
  close(): Promise<void>;
}

// The 410 body of the retired routes was never recorded publicly (MISTRAL_API_DETAILS §2.7, §10.1);
// this is the documented uniform error shape with a plain message.
const RETIRED_BODY = {
  object: 'error',
  message: 'The fine-tuning API has been retired and is no longer available.',
  type: 'invalid_request_error',
  param: null,
  code: null,
};

type Handler = (ctx: { req: IncomingMessage; res: ServerResponse; params: string[]; query: URLSearchParams }) => Promise<void> | void;

interface Route {
  method: string;
  template: string;
  re: RegExp;
  handler: Handler;
  auth: boolean;
}

const JSON_LIMIT = 64 * 1024 * 1024;
/** JSON bodies held at once across all requests (see BodyBudget). */
const JSON_BUDGET = 256 * 1024 * 1024;

async function readJson(req: IncomingMessage, budget: BodyBudget): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > JSON_LIMIT) throw apiError(413, 'Request Entity Too Large');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of req) {
      const n = (c as Buffer).length;
      if (size + n > JSON_LIMIT) throw apiError(413, 'Request Entity Too Large');
      if (!budget.take(n)) throw new HttpError(503, { object: 'error', message: 'The sandbox is busy reading other large requests; retry shortly.', type: 'server_error', param: null, code: null }, { 'retry-after': '1' });
      size += n;
      chunks.push(c as Buffer);
    }
  } finally {
    budget.release(size);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw validationError([{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error' }]);
  }
}

function route(method: string, template: string, handler: Handler, auth = true): Route {
  const re = new RegExp('^' + template.replace(/\{[^}]+\}/g, '([^/]+)') + '$');
  return { method, template, re, handler, auth };
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const apiKey = opts.apiKey ?? randomSandboxKey();
  const mode: FineTuningMode = opts.fineTuning ?? 'available';
  const timings = { speed: opts.speed ?? 1 };
  const temp = await createSandboxTempDir(opts.tempParent);
  const dir = temp.dir;
  const jsonBudget = new BodyBudget(opts.jsonBudgetBytes ?? JSON_BUDGET);
  const closing = new AbortController();
  const files = new FileStore(dir);
  const jobs = new FineTuningJobStore(files, timings, closing.signal);
  const modelCounts = new ModelCounts();
  const batches = new BatchJobStore(files, (id) => jobs.trained.get(id), timings, closing.signal, (model) => modelCounts.add('batch', model));
  const faults = new FaultInjector(typeof opts.faults === 'string' ? parseFaultSpec(opts.faults) : opts.faults ?? []);
  const counts = new RequestCounts();
  const maxUpload = opts.maxUploadBytes ?? 512 * 1024 * 1024;

  const jobsGate = (op: 'create' | 'other'): void => {
    if (mode === 'retired') throw new HttpError(410, RETIRED_BODY);
    if (mode === 'rejecting' && op === 'create') throw new HttpError(422, { detail: 'Model not available for this type of fine-tuning (completion).' });
  };

  const routes: Route[] = [
    // Says "I am the Pixtune sandbox" and nothing else, without a key (Pixtune probes loopback URLs with it).
    route('GET', '/sandbox/identity', ({ res }) => sendJson(res, 200, { sandbox: 'pixtune' }), false),
    route('GET', '/sandbox/stats', ({ res }) => sendJson(res, 200, sandbox.stats())),
    route('GET', '/v1/models', ({ res }) =>
      sendJson(res, 200, { object: 'list', data: [...BASE_MODELS.map(baseModelCard), ...jobs.fineTunedModels.map(fineTunedModelCard)] }),
    ),
    route('GET', '/v1/models/{model_id}', ({ res, params }) => {
      const base = resolveBaseModel(params[0]!);
      const ft = jobs.fineTunedModels.find((m) => m.id === params[0]);
      if (base) return sendJson(res, 200, baseModelCard(base));
      if (ft) return sendJson(res, 200, fineTunedModelCard(ft));
      throw notFound();
    }),
    route('POST', '/v1/files', async ({ req, res }) => {
      const boundary = boundaryOf(req.headers['content-type']);
      if (!boundary) throw validationError([{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }]);
      const form = await parseMultipartToDisk(req, boundary, dir, maxUpload);
      // Parts not kept (a refused request, extra file parts) are deleted, not left in the temp folder.
      const part = form.files.find((f) => f.field === 'file');
      await removeStoredParts(form.files.filter((f) => f !== part).map((f) => f.path));
      try {
        if (!part) throw validationError([{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }]);
        const purpose = form.fields.purpose ?? 'fine-tune';
        if (!['fine-tune', 'batch', 'ocr'].includes(purpose)) {
          throw validationError([{ loc: ['body', 'purpose'], msg: "Input should be 'fine-tune', 'batch' or 'ocr'", type: 'enum', input: purpose }]);
        }
        sendJson(res, 200, fileWire(await files.addUpload(part, purpose)));
      } catch (err) {
        if (part) await removeStoredParts([part.path]);
        throw err;
      }
    }),
    route('GET', '/v1/files', ({ res, query }) => {
      const all = files.list({
        purpose: query.get('purpose') ?? undefined,
        search: query.get('search') ?? undefined,
        sampleTypes: query.getAll('sample_type'),
        sources: query.getAll('source'),
      });
      const page = Math.max(0, Number(query.get('page') ?? 0) || 0);
      const size = Math.max(1, Number(query.get('page_size') ?? 100) || 100);
      sendJson(res, 200, { data: all.slice(page * size, (page + 1) * size).map(fileWire), object: 'list', total: all.length });
    }),
    route('GET', '/v1/files/{file_id}', ({ res, params }) => sendJson(res, 200, { ...fileWire(files.require(params[0]!)), deleted: false })),
    route('DELETE', '/v1/files/{file_id}', async ({ res, params }) => {
      await files.delete(params[0]!);
      sendJson(res, 200, { id: params[0], object: 'file', deleted: true });
    }),
    route('GET', '/v1/files/{file_id}/content', async ({ res, params }) => {
      const f = files.require(params[0]!);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': f.bytes });
      await new Promise<void>((resolve, reject) => createReadStream(f.path).on('error', reject).pipe(res).on('finish', resolve));
    }),
    route('GET', '/v1/files/{file_id}/url', ({ res, params }) => {
      files.require(params[0]!);
      sendJson(res, 200, { url: `${sandbox.url}/v1/files/${params[0]}/content` });
    }),
    route('POST', '/v1/fine_tuning/jobs', async ({ req, res, query }) => {
      jobsGate('create');
      sendJson(res, 200, jobs.create(await readJson(req, jsonBudget), query.get('dry_run') === 'true'));
    }),
    route('GET', '/v1/fine_tuning/jobs', ({ res, query }) => {
      jobsGate('other');
      sendJson(res, 200, jobs.list(query));
    }),
    route('GET', '/v1/fine_tuning/jobs/{job_id}', ({ res, params }) => {
      jobsGate('other');
      sendJson(res, 200, jobs.get(params[0]!));
    }),
    route('POST', '/v1/fine_tuning/jobs/{job_id}/start', ({ res, params }) => {
      jobsGate('other');
      sendJson(res, 200, jobs.start(params[0]!));
    }),
    route('POST', '/v1/fine_tuning/jobs/{job_id}/cancel', ({ res, params }) => {
      jobsGate('other');
      sendJson(res, 200, jobs.cancel(params[0]!));
    }),
    route('POST', '/v1/batch/jobs', async ({ req, res }) => sendJson(res, 200, batches.create(await readJson(req, jsonBudget)))),
    route('GET', '/v1/batch/jobs', ({ res, query }) => sendJson(res, 200, batches.list(query))),
    route('GET', '/v1/batch/jobs/{job_id}', ({ res, params, query }) => sendJson(res, 200, batches.get(params[0]!, query.get('inline') === 'true'))),
    route('POST', '/v1/batch/jobs/{job_id}/cancel', ({ res, params }) => sendJson(res, 200, batches.cancel(params[0]!))),
    route('POST', '/v1/chat/completions', async ({ req, res }) => {
      const body = await readJson(req, jsonBudget);
      modelCounts.add('POST /v1/chat/completions', (body as { model?: unknown } | undefined)?.model);
      sendJson(res, 200, await completeChat(body, (id) => jobs.trained.get(id)));
    }),
    // The OpenAI-compatible flavour (base URL <sandbox>/openai/v1), as vLLM or Ollama serve models.
    route('GET', `${OPENAI_PREFIX}/models`, ({ res }) => sendJson(res, 200, openAiModelList(BASE_MODELS, jobs.fineTunedModels))),
    route('POST', `${OPENAI_PREFIX}/chat/completions`, async ({ req, res }) => {
      const body = await readJson(req, jsonBudget);
      modelCounts.add(`POST ${OPENAI_PREFIX}/chat/completions`, (body as { model?: unknown } | undefined)?.model);
      const known = (id: string) => Boolean(resolveBaseModel(id) || jobs.fineTunedModels.some((m) => m.id === id));
      sendJson(res, 200, await completeChatOpenAi(body, (id) => jobs.trained.get(id), known));
    }),
  ];

  const bindHost = opts.host ?? '127.0.0.1';
  let port = 0; // set once listening; the Host check needs it
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const candidates = routes.filter((r) => r.re.test(url.pathname));
    const r = candidates.find((c) => c.method === method);
    if (!hostAllowed(req.headers.host, port, bindHost)) {
      req.resume();
      // DNS rebinding: a page at attacker.example:PORT resolved to 127.0.0.1 still sends its own Host.
      return sendJson(res, 421, { detail: 'Misdirected Request: the Host header does not name this sandbox.' });
    }
    counts.add(method, r?.template ?? candidates[0]?.template);

    const fault = r?.auth === false ? undefined : faults.take(method, url.pathname);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.value ?? 1000));
    if (fault?.kind === 'status') {
      req.resume();
      const status = fault.status ?? 500;
      if (status === 429) {
        return sendJson(res, 429, { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', param: null, code: '1300' }, { 'retry-after': String(fault.value ?? 1) });
      }
      return sendJson(res, status, { object: 'error', message: `Injected failure (HTTP ${status}).`, type: 'server_error', param: null, code: null });
    }
    if (!r) {
      req.resume();
      return sendJson(res, candidates.length ? 405 : 404, { detail: candidates.length ? 'Method Not Allowed' : 'Not Found' });
    }
    if (r.auth && req.headers.authorization !== `Bearer ${apiKey}`) {
      req.resume();
      throw unauthorized();
    }
    const m = r.re.exec(url.pathname)!;
    const params = m.slice(1).map((p) => decodeURIComponent(p));
    await r.handler({ req, res, params, query: url.searchParams });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return sendJson(res, err.status, err.body, err.headers);
      if (err instanceof MultipartError) return sendJson(res, err.status, { object: 'error', message: err.message, type: 'invalid_request_error', param: null, code: null });
      sendJson(res, 500, { object: 'error', message: `Sandbox error: ${(err as Error).message}`, type: 'server_error', param: null, code: null });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
  } catch (err) {
    // A taken port must not leave the upload folder behind.
    await temp.remove();
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  const sandbox: Sandbox = {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    apiKey,
    tempDir: dir,
    faults,
    stats: () => ({ requests: counts.snapshot(), models: modelCounts.snapshot(), jsonBytesInMemory: jsonBudget.inUse }),
    resetStats: () => {
      counts.clear();
      modelCounts.clear();
    },
    close: async () => {
      closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await temp.remove();
    },
  };
  return sandbox;
}


