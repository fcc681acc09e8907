// What the extension remembers (in workspaceState) about the local sandbox it started, so that after a
// window reload — which stops the in-process sandbox — it can start it again on the same port instead of
// leaving the workspace pointed at a dead URL, and so that a replaced sandbox URL's key is deleted.
import { normalizeServerUrl } from './serverKind';

export const SANDBOX_MEMORY_KEY = 'pixtune.localSandbox';

export interface SandboxMemory {
  url: string;
  port: number;
}

/** Reads a stored value defensively (workspaceState outlives versions of this code). */
export function parseSandboxMemory(value: unknown): SandboxMemory | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { url, port } = value as { url?: unknown; port?: unknown };
  if (typeof url !== 'string' || typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { url, port };
}

/** The port to restart the sandbox on, when the configured server is still the sandbox we started. */
export function sandboxPortToRestore(memory: SandboxMemory | undefined, configuredUrl: string | undefined): number | undefined {
  if (!memory || !configuredUrl?.trim()) return undefined;
  return normalizeServerUrl(configuredUrl) === normalizeServerUrl(memory.url) ? memory.port : undefined;
}

/** The URL whose stored key should be deleted because a new sandbox URL replaced it, if any. */
export function replacedSandboxUrl(previous: SandboxMemory | undefined, nextUrl: string): string | undefined {
  if (!previous) return undefined;
  return normalizeServerUrl(previous.url) === normalizeServerUrl(nextUrl) ? undefined : normalizeServerUrl(previous.url);
}

/** True when listening failed because the port is taken. */
export function isAddressInUse(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { code?: unknown }).code === 'EADDRINUSE';
}
