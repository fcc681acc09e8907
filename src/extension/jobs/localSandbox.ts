// Pixtune: Start Local Sandbox — runs the Mistral-compatible sandbox inside the extension host,
// points Pixtune at it (user settings: pixtune.serverUrl is application-scoped) and stores its key for that URL, so the whole loop can be
// rehearsed for free. The UI labels it "Sandbox" everywhere.
// The sandbox lives in the extension host, so a window reload stops it. workspaceState remembers the
// URL we set (and its port): on activation, if pixtune.serverUrl is still that URL, the sandbox is
// started again on the same port (its jobs are in memory, so earlier sandbox jobs are gone); if the
// port is taken, the user is told so plainly and offered a new sandbox. When a new sandbox URL replaces
// the remembered one, the old URL's stored key is deleted so keys do not pile up.
import * as vscode from 'vscode';
import { notice } from '../../core/text/notificationText';
import type { Sandbox } from '../../core/sandbox/server';
import { errorMessage } from '../../core/errors';
import { SANDBOX_MEMORY_KEY, isAddressInUse, parseSandboxMemory, replacedSandboxUrl, sandboxPortToRestore, type SandboxMemory } from '../../core/jobs/sandboxMemory';
import { CommandId } from '../commandIds';
import { isWorkspaceTrusted, requireTrustedWorkspace } from '../workspaceTrust';
import type { ServerAccess } from './serverAccess';

export class LocalSandbox implements vscode.Disposable {
  private running: Sandbox | undefined;
  private starting: Promise<Sandbox> | undefined;

  constructor(
    private readonly access: ServerAccess,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get url(): string | undefined {
    return this.running?.url;
  }

  private remembered(): SandboxMemory | undefined {
    return parseSandboxMemory(this.state.get(SANDBOX_MEMORY_KEY));
  }

  /** Starts the sandbox on `port` (0: any free port) with the configured speed and mode; one at a time. */
  private listen(port: number): Promise<Sandbox> {
    if (this.running) return Promise.resolve(this.running);
    this.starting ??= (async () => {
      const { startSandbox } = await import('../../core/sandbox/server');
      const cfg = vscode.workspace.getConfiguration('pixtune');
      const speed = cfg.get<number>('sandbox.speed') ?? 1;
      const fineTuning = cfg.get<'available' | 'retired' | 'rejecting'>('sandbox.fineTuning') ?? 'available';
      // A random key per start (DNS-rebinding pages and other local processes cannot guess it).
      const s = await startSandbox({ port, speed, fineTuning });
      this.running = s;
      this.access.markSandbox(s.url);
      this.log.info(`sandbox listening on ${s.url} (fine-tuning ${fineTuning}, speed ×${speed})`);
      return s;
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Stores the sandbox key for its URL (only if missing: storing fires a server/key change) and remembers the URL. */
  private async adopt(s: Sandbox): Promise<void> {
    const previous = this.remembered();
    if ((await this.access.getKey(s.url)) !== s.apiKey) await this.access.storeKey(s.apiKey, s.url);
    await this.state.update(SANDBOX_MEMORY_KEY, { url: s.url, port: s.port } satisfies SandboxMemory);
    const stale = replacedSandboxUrl(previous, s.url);
    if (stale) {
      await this.access.clearKey(stale).then(
        () => this.log.info(`sandbox: deleted the stored key of the previous sandbox URL ${stale}`),
        (err) => this.log.warn(`sandbox: cannot delete the stored key of ${stale}: ${errorMessage(err)}`),
      );
    }
  }

  async start(): Promise<string> {
    requireTrustedWorkspace();
    let s = this.running;
    if (!s) {
      // Prefer the port we used before (same URL, so no new key), else any free port.
      const port = this.remembered()?.port;
      try {
        s = await this.listen(port ?? 0);
      } catch (err) {
        if (!port || !isAddressInUse(err)) throw err;
        this.log.info(`sandbox: port ${port} is in use, starting on another port`);
        s = await this.listen(0);
      }
    }
    await this.adopt(s);
    const url = s.url;
    // pixtune.serverUrl is application-scoped (a cloned workspace must not redirect the key): user settings.
    await vscode.workspace.getConfiguration('pixtune').update('serverUrl', url, vscode.ConfigurationTarget.Global);
    void vscode.window
      .showInformationMessage(notice`The local sandbox is running at ${url} (not Mistral: nothing is billed). Pixtune uses it now (user setting pixtune.serverUrl).`, 'Show Jobs')
      .then((a) => a && vscode.commands.executeCommand('pixtune.jobs.focus'));
    return url;
  }

  /**
   * After a reload: if pixtune.serverUrl is still the sandbox URL we set, starts the sandbox again on the
   * same port. Never throws; when the port is taken (or anything else fails) it tells the user and offers
   * a new sandbox. Resolves once the sandbox is up or the attempt is over.
   */
  async restoreAfterReload(): Promise<void> {
    const memory = this.remembered();
    const port = sandboxPortToRestore(memory, vscode.workspace.getConfiguration('pixtune').get<string>('serverUrl'));
    if (!memory || port === undefined || this.running || !isWorkspaceTrusted()) return;
    try {
      const s = await this.listen(port);
      await this.adopt(s);
      this.log.info(`sandbox: restarted on ${s.url} after the window was reloaded; jobs and files of the previous sandbox session are gone (the sandbox keeps them in memory only)`);
    } catch (err) {
      const why = isAddressInUse(err) ? `port ${port} is now used by another program` : errorMessage(err);
      this.log.warn(`sandbox: cannot restart the sandbox on ${memory.url} after the reload: ${why}`);
      void vscode.window
        .showWarningMessage(
          notice`This workspace uses the local sandbox at ${memory.url}, which stopped when the window was reloaded, and it could not be restarted: ${why}. Start a new local sandbox (on another port), or change the pixtune.serverUrl setting.`,
          'Start Local Sandbox',
        )
        .then((a) => a && vscode.commands.executeCommand(CommandId.startSandbox));
    }
  }

  async stop(): Promise<void> {
    const s = this.running;
    this.running = undefined;
    await s?.close();
  }

  dispose(): void {
    void this.stop();
  }
}
