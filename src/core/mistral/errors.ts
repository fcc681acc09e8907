// Every failure of a call to Mistral (or to a compatible server) becomes one MistralError: a plain
// sentence, the action to take, and a `kind` the UI can switch on. The API key never appears in any
// of it: messages are built from status codes and server bodies, and then redacted defensively,
// because a server may echo a header back or a proxy may put the key in an error page.
import { UserError } from '../errors';

export type MistralErrorKind =
  | 'auth' // 401: the key was rejected
  | 'fine-tuning-unavailable' // job routes refused: Mistral retired hosted fine-tuning in 2026
  | 'model-unavailable' // chat/batch named a retired or unknown model
  | 'validation' // 422 (or 400) with the server's explanation
  | 'not-found' // 404 of a resource (file, job)
  | 'conflict' // 409 (e.g. a similar job is already running)
  | 'rate-limited' // 429 after our retries gave up
  | 'server' // 5xx after our retries gave up
  | 'unreachable' // DNS, refused, reset, dropped connection
  | 'timeout' // our per-call timeout fired
  | 'bad-response' // 2xx whose body does not match the documented shape
  | 'http'; // anything else

export class MistralError extends UserError {
  constructor(
    readonly kind: MistralErrorKind,
    message: string,
    action?: string,
    detail?: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
    /** "host/path" of the call, never with query or key. */
    readonly endpoint?: string,
  ) {
    super(message, action, detail);
    this.name = 'MistralError';
  }
}

/** What to tell the user to do when the key is rejected; the CLI and the extension differ. */
export const EXTENSION_KEY_ACTION = 'Run Pixtune: Set API Key.';
export const CLI_KEY_ACTION = 'Set MISTRAL_API_KEY to a valid key and try again.';

export const FINE_TUNING_RETIRED_MESSAGE =
  'Mistral retired hosted fine-tuning in 2026, so this server no longer creates or runs fine-tuning jobs.';
export const FINE_TUNING_RETIRED_ACTION =
  'Train the open-weight models on this machine or on a Ray cluster instead (Pixtune: Train Model…, or pixtune train --backend local|ray); prepared training files, evaluation of base and existing fine-tuned models, and the sandbox still work.';

export function fineTuningUnavailableError(status: number | undefined, endpoint: string, detail?: string): MistralError {
  return new MistralError('fine-tuning-unavailable', FINE_TUNING_RETIRED_MESSAGE, FINE_TUNING_RETIRED_ACTION, detail, status, endpoint);
}

/** Replaces every occurrence of the secret (and any bearer token) with a placeholder. */
export function redactSecret(text: string, secret: string | undefined): string {
  let out = text;
  if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{4,}/gi, '$1[redacted]');
}

/** Returns a copy of the error with every text field redacted (the same class and kind). */
export function redactError(err: MistralError, secret: string | undefined): MistralError {
  const r = (t: string | undefined) => (t === undefined ? undefined : redactSecret(t, secret));
  return new MistralError(err.kind, r(err.message)!, r(err.action), r(err.detail), err.status, err.endpoint);
}

/** "api.mistral.ai/v1/files" — for messages; no scheme noise, no query string, no credentials. */
export function describeEndpoint(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the server';
  }
}

/** The error bodies Mistral returns, in all the shapes seen in the wild (see MISTRAL_API_DETAILS §6.1). */
export function serverMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 500) : undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const detail = validationDetail(b.detail) ?? validationDetail((b.message as Record<string, unknown> | undefined)?.detail);
  if (detail) return detail;
  if (typeof b.detail === 'string') return b.detail;
  if (typeof b.message === 'string') return b.message;
  if (Array.isArray(b.message)) return validationDetail(b.message);
  return undefined;
}

/** `[{loc: ['body','suffix'], msg: '...'}]` → "body.suffix: ..." joined; undefined if not that shape. */
export function validationDetail(detail: unknown): string | undefined {
  if (!Array.isArray(detail) || detail.length === 0) return undefined;
  const parts = detail.map((d) => {
    if (!d || typeof d !== 'object') return String(d);
    const e = d as { loc?: unknown; msg?: unknown };
    const loc = Array.isArray(e.loc) ? e.loc.filter((p) => p !== 'body').join('.') : '';
    const msg = typeof e.msg === 'string' ? e.msg : JSON.stringify(d);
    return loc ? `${loc}: ${msg}` : msg;
  });
  return parts.join('; ');
}

/** Which family of routes a call belongs to: the same status means different things on each. */
export type RouteFamily = 'jobs' | 'chat' | 'other';

export interface HttpFailure {
  status: number;
  body: unknown;
  url: string;
  family: RouteFamily;
  /** Model named in the request (chat, batch), for the retired-model message. */
  model?: string;
  keyAction: string;
}

const NO_SUCH_JOB = /no fine tuning job matches/i;
const FT_NOT_AVAILABLE = /not available for this type of fine-tuning/i;

/** Maps a non-2xx answer (after retries) to the one error the user sees. */
export function errorFromHttp(f: HttpFailure): MistralError {
  const endpoint = describeEndpoint(f.url);
  const said = serverMessage(f.body);
  const detail = `HTTP ${f.status} from ${endpoint}${said ? `: ${said}` : ''}`;
  if (f.status === 401) {
    return new MistralError('auth', 'The API key was rejected.', f.keyAction, detail, 401, endpoint);
  }
  if (f.family === 'jobs') {
    const jobMissing = f.status === 404 && said !== undefined && NO_SUCH_JOB.test(said);
    if (f.status === 410 || f.status === 403 || (f.status === 404 && !jobMissing)) {
      return fineTuningUnavailableError(f.status, endpoint, detail);
    }
    if (f.status === 422 && said && FT_NOT_AVAILABLE.test(said)) {
      // Mistral's answer to every create from March 2026 until the routes went 410.
      return new MistralError(
        'fine-tuning-unavailable',
        `The server refused to fine-tune this model ("${said}"). Mistral has answered this for every model since March 2026, when it retired hosted fine-tuning.`,
        FINE_TUNING_RETIRED_ACTION,
        detail,
        422,
        endpoint,
      );
    }
    if (jobMissing) return new MistralError('not-found', 'No fine-tuning job has that id on this server.', 'Check the job id.', detail, 404, endpoint);
  }
  if (f.family === 'chat' && f.model && (f.status === 404 || f.status === 410 || (f.status === 400 && said && /invalid model|model.*(not found|retired|deprecated)/i.test(said)))) {
    return new MistralError('model-unavailable', `The model "${f.model}" is not available on this server (retired or unknown).`, 'Choose a current vision model.', detail, f.status, endpoint);
  }
  if (f.status === 422 || f.status === 400) {
    return new MistralError('validation', `The server rejected the request: ${said ?? 'no reason given'}.`, 'Fix the request and try again.', detail, f.status, endpoint);
  }
  if (f.status === 404) return new MistralError('not-found', `Nothing was found at ${endpoint}.`, 'Check the id and the server URL.', detail, 404, endpoint);
  if (f.status === 403) return new MistralError('http', `The server refused access to ${endpoint}.`, 'Check that the API key has access to this feature.', detail, 403, endpoint);
  if (f.status === 409) return new MistralError('conflict', `The server reported a conflict: ${said ?? 'a similar request is in progress'}.`, 'Wait for the other request to finish.', detail, 409, endpoint);
  if (f.status === 413) return new MistralError('validation', 'The file is too large for the server (512 MB at most).', 'Split the file and upload the parts.', detail, 413, endpoint);
  if (f.status === 429) return new MistralError('rate-limited', `The server kept answering "rate limit exceeded" for ${endpoint}.`, 'Wait a minute and try again, or lower the concurrency.', detail, 429, endpoint);
  if (f.status >= 500) return new MistralError('server', `The server failed (HTTP ${f.status}) on ${endpoint} several times.`, 'Try again later.', detail, f.status, endpoint);
  return new MistralError('http', `The server answered HTTP ${f.status} on ${endpoint}${said ? `: ${said}` : ''}.`, undefined, detail, f.status, endpoint);
}

export function unreachableError(url: string, cause: unknown): MistralError {
  const endpoint = describeEndpoint(url);
  const code = (cause as { cause?: { code?: string }; code?: string })?.cause?.code ?? (cause as { code?: string })?.code;
  return new MistralError(
    'unreachable',
    `Could not reach ${endpoint}${code ? ` (${code})` : ''}.`,
    'Check the network connection and the server URL setting.',
    cause instanceof Error ? cause.message : String(cause),
    undefined,
    endpoint,
  );
}

export function timeoutError(url: string, ms: number, idle = false): MistralError {
  const endpoint = describeEndpoint(url);
  const what = idle ? `The transfer to ${endpoint} made no progress for ${Math.round(ms / 1000)} s.` : `${endpoint} did not answer within ${Math.round(ms / 1000)} s.`;
  return new MistralError('timeout', what, 'Try again, or raise the timeout setting.', undefined, undefined, endpoint);
}

/**
 * The last word on anything a Mistral call throws: our own errors are redacted, cancellation passes through
 * untouched, and anything else (an SDK internal error, say) becomes a MistralError whose text cannot carry the key.
 */
export function finalError(mapped: unknown, url: string | URL, secret: string | undefined): unknown {
  if (mapped instanceof MistralError) return redactError(mapped, secret);
  if (mapped instanceof Error && (mapped.name === 'AbortError' || (mapped as { code?: string }).code === 'ABORT_ERR')) return mapped;
  const text = redactSecret(mapped instanceof Error ? mapped.message : String(mapped), secret);
  return new MistralError('http', `The call to ${describeEndpoint(url)} failed: ${text.split('\n')[0]!.slice(0, 300)}`, undefined, text.slice(0, 1000));
}
