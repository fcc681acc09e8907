// What keeps the sandbox from being a door into the machine it runs on (it runs inside the extension
// host): a random key per start instead of a fixed one, a Host check against DNS rebinding (a web page
// whose name resolves to 127.0.0.1 would otherwise drive it), a request count that cannot grow without
// bound, a memory budget for JSON bodies read at once, and a temp folder that does not outlive its process.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../processAlive';

/** A fresh key for each start: a page or process that knew an old one cannot use the new sandbox. */
export function randomSandboxKey(): string {
  return `sandbox-${randomBytes(18).toString('base64url')}`;
}

/**
 * True when the Host header names this server by the address it listens on (or a loopback name for
 * it). A DNS-rebinding page sends its own host name, e.g. "attacker.example:PORT".
 */
export function hostAllowed(hostHeader: string | undefined, port: number, bindHost: string): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.trim().toLowerCase();
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', bindHost.includes(':') ? `[${bindHost.toLowerCase()}]` : bindHost.toLowerCase()]);
  return [...names].some((n) => host === `${n}:${port}`);
}

/** Requests per route template; paths that match no route share one bucket, so strangers cannot grow it. */
export class RequestCounts {
  private readonly counts = new Map<string, number>();
  private static readonly METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

  add(method: string, template: string | undefined): void {
    const m = RequestCounts.METHODS.has(method) ? method : 'OTHER';
    const key = `${m} ${template ?? '(no such route)'}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  clear(): void {
    this.counts.clear();
  }
}

/**
 * Bytes of request bodies held in memory at once, across requests. Each JSON body may be up to its own
 * limit, but ten concurrent 64 MB bodies must not take the extension host past a gigabyte: a request
 * that would exceed the budget is refused (503, retry later) instead.
 */
export class BodyBudget {
  private used = 0;
  constructor(readonly limitBytes: number) {}

  /** Reserves `n` bytes; false when the budget is exhausted. */
  take(n: number): boolean {
    if (this.used + n > this.limitBytes) return false;
    this.used += n;
    return true;
  }

  release(n: number): void {
    this.used = Math.max(0, this.used - n);
  }

  get inUse(): number {
    return this.used;
  }
}

const TEMP_PREFIX = 'pixtune-sandbox-';

/**
 * The sandbox's upload folder, named after its process. Removed by close(); if the process dies
 * without close() ('exit' runs a synchronous removal — the only place sync fs is right, as no async
 * work runs after 'exit'), or is killed outright, the next sandbox removes folders of dead processes.
 */
export async function createSandboxTempDir(parent = tmpdir()): Promise<{ dir: string; remove: () => Promise<void> }> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const m = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(name);
    if (m && Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]))) await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
  const dir = await mkdtemp(join(parent, `${TEMP_PREFIX}${process.pid}-`));
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  return {
    dir,
    remove: async () => {
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
