// May this URL receive an API key (or any bearer token)? The key travels in a header, so only https
// anywhere, or plain http to this machine itself (the sandbox, a local vLLM or Ray dashboard, a local
// proxy). "This machine" is decided on the parsed host, never on a prefix of the text:
// http://127.attacker.example is a domain name like any other. Every client that sends a key — the
// Mistral connection, the OpenAI-compatible and Ray clients, Set API Key's test call, the CLI —
// calls assertKeyDestination (or keyDestinationProblem) before the first request.
import { isIP } from 'node:net';
import { UserError } from '../errors';

/** A loopback host as the URL parser gives it: 127.0.0.0/8, ::1 (bracketed or not), or localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host === 'localhost.') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  return false;
}

export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Why a key must not be sent to `url` (one sentence), or undefined when it may. */
export function keyDestinationProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL.`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'The server URL must start with http:// or https://.';
  if (u.username || u.password) return 'Put the API key in Pixtune: Set API Key, not in the server URL.';
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    return `The server URL ${u.origin} uses http:// to another machine, which would send the API key unencrypted: use https://.`;
  }
  return undefined;
}

/** Throws a UserError when a key must not be sent to `url`. */
export function assertKeyDestination(url: string, action = 'Use an https:// server URL (plain http only to this machine).'): void {
  const problem = keyDestinationProblem(url);
  if (problem) throw new UserError(problem, action);
}
