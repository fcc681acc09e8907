// Is the configured server the Pixtune sandbox? It must be labelled "Sandbox" everywhere, so a
// rehearsal is never mistaken for Mistral. A loopback URL alone is not proof (it may be a proxy):
// the sandbox answers GET /sandbox/identity (no key needed, nothing revealed), which Mistral does not have.
import { DEFAULT_SERVER_URL } from '../mistral/connection';
import { isLoopbackUrl, keyDestinationProblem } from '../net/keyDestination';

export { isLoopbackUrl };

export type ServerKind = 'mistral' | 'sandbox' | 'custom';

export function normalizeServerUrl(url: string | undefined): string {
  const trimmed = (url ?? '').trim().replace(/\/+$/, '');
  return trimmed || DEFAULT_SERVER_URL;
}

/** A readable message for a URL the connection could not use (or must not send the key to). */
export function checkServerUrl(url: string): string | undefined {
  return keyDestinationProblem(url);
}

/** Asks a loopback server whether it is the sandbox; never sends the API key. */
export async function probeSandbox(url: string, opts: { fetch?: typeof fetch; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<boolean> {
  if (!isLoopbackUrl(url)) return false;
  const f = opts.fetch ?? fetch;
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 2000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await f(`${url.replace(/\/+$/, '')}/sandbox/identity`, { signal });
    if (!res.ok) return false;
    const body = (await res.json()) as { sandbox?: unknown };
    return typeof body === 'object' && body !== null && body.sandbox === 'pixtune';
  } catch {
    return false;
  }
}

export function serverKind(url: string, sandboxAnswered: boolean): ServerKind {
  if (sandboxAnswered) return 'sandbox';
  return normalizeServerUrl(url) === DEFAULT_SERVER_URL ? 'mistral' : 'custom';
}

/** "Sandbox", "Mistral", or the host of a custom server. */
export function serverLabel(url: string, kind: ServerKind): string {
  if (kind === 'sandbox') return 'Sandbox';
  if (kind === 'mistral') return 'Mistral';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
