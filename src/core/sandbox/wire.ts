// Answers in Mistral's wire format: JSON with `application/json` (the SDK refuses anything else),
// and the error bodies the real service sends (MISTRAL_API_DETAILS §6.1).
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

/** Thrown by route handlers; the server turns it into the status and body given. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(`HTTP ${status}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The documented uniform error shape. */
export function apiError(status: number, message: string, type = 'invalid_request_error', code: string | null = null): HttpError {
  return new HttpError(status, { object: 'error', message, type, param: null, code });
}

/** FastAPI-style validation error: {"detail": [{type, loc, msg, input}]}. */
export function validationError(issues: { loc: (string | number)[]; msg: string; type?: string; input?: unknown }[]): HttpError {
  return new HttpError(422, { detail: issues.map((i) => ({ type: i.type ?? 'value_error', loc: i.loc, msg: i.msg, input: i.input ?? null })) });
}

/** Plain `{"detail": "<string>"}` bodies, as the fine-tuning routes send. */
export function detailError(status: number, detail: string): HttpError {
  return new HttpError(status, { detail });
}

export function unauthorized(): HttpError {
  return new HttpError(401, { message: 'Unauthorized', request_id: randomBytes(16).toString('hex') });
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Rejects keys outside `allowed` the way the API does (422 extra_forbidden). */
export function forbidExtraKeys(body: Record<string, unknown>, allowed: readonly string[], where: (string | number)[] = ['body']): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) {
    throw validationError(extra.map((k) => ({ type: 'extra_forbidden', loc: [...where, k], msg: 'Extra inputs are not permitted', input: body[k] })));
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
