// Which server Pixtune talks to and with which key. The key lives only in SecretStorage, one per
// server URL, so starting the sandbox (its own random key) never overwrites the real Mistral key and
// switching the URL back finds it again. The key is never put in settings, logs or messages.
import * as vscode from 'vscode';
import type { MistralConnection } from '../../core/mistral/connection';
import { EXTENSION_KEY_ACTION } from '../../core/mistral/errors';
import { UserError } from '../../core/errors';
import { isWorkspaceTrusted, requireTrustedWorkspace } from '../workspaceTrust';
import { checkServerUrl, normalizeServerUrl, probeSandbox, serverKind, serverLabel, type ServerKind } from '../../core/jobs/serverKind';

const SECRET_PREFIX = 'pixtune.apiKey:';

export interface ServerInfo {
  url: string;
  kind: ServerKind;
  label: string;
}

export class ServerAccess implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the server URL or its key changes. */
  readonly onDidChange = this.changed.event;
  private cached: { url: string; key: string; conn: MistralConnection } | undefined;
  private kindCache = new Map<string, Promise<ServerKind>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('pixtune.serverUrl')) this.fire();
      }),
      secrets.onDidChange((e) => {
        if (e.key.startsWith(SECRET_PREFIX)) this.fire();
      }),
      // Restricted Mode hides the key (hasKey is false); trusting the workspace makes it usable.
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.fire()),
    );
  }

  private fire(): void {
    this.cached = undefined;
    this.changed.fire();
  }

  serverUrl(): string {
    return normalizeServerUrl(vscode.workspace.getConfiguration('pixtune').get<string>('serverUrl'));
  }

  async info(): Promise<ServerInfo> {
    const url = this.serverUrl();
    let kind = this.kindCache.get(url);
    if (!kind) {
      kind = probeSandbox(url).then((isSandbox) => serverKind(url, isSandbox));
      this.kindCache.set(url, kind);
    }
    const k = await kind;
    // A loopback server that did not answer may simply not be up yet: ask again next time.
    if (k !== 'sandbox') this.kindCache.delete(url);
    return { url, kind: k, label: serverLabel(url, k) };
  }

  /** Remembers that a URL is the sandbox (we just started it), without probing. */
  markSandbox(url: string): void {
    this.kindCache.set(normalizeServerUrl(url), Promise.resolve('sandbox'));
  }

  async getKey(url = this.serverUrl()): Promise<string | undefined> {
    return (await this.secrets.get(SECRET_PREFIX + normalizeServerUrl(url))) || undefined;
  }

  /** False in Restricted Mode: the key exists but may not be used, so nothing polls with it. */
  async hasKey(): Promise<boolean> {
    if (!isWorkspaceTrusted()) return false;
    return (await this.getKey()) !== undefined;
  }

  async storeKey(key: string, url = this.serverUrl()): Promise<void> {
    await this.secrets.store(SECRET_PREFIX + normalizeServerUrl(url), key);
  }

  async clearKey(url = this.serverUrl()): Promise<void> {
    await this.secrets.delete(SECRET_PREFIX + normalizeServerUrl(url));
  }

  /** A connection for the current URL and key; the SDK loads on first use, not here. */
  async connection(): Promise<MistralConnection> {
    requireTrustedWorkspace();
    const url = this.serverUrl();
    const bad = checkServerUrl(url);
    if (bad) throw new UserError(bad, 'Fix the pixtune.serverUrl setting.');
    const key = await this.getKey(url);
    if (!key) throw new UserError('No API key is set for this server.', EXTENSION_KEY_ACTION);
    if (this.cached && this.cached.url === url && this.cached.key === key) return this.cached.conn;
    const conn = await connectionFor(url, key);
    this.cached = { url, key, conn };
    return conn;
  }

  dispose(): void {
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

export async function connectionFor(url: string, key: string): Promise<MistralConnection> {
  requireTrustedWorkspace();
  const { createMistralConnection } = await import('../../core/mistral/connection');
  return createMistralConnection({ apiKey: key, serverUrl: url });
}
