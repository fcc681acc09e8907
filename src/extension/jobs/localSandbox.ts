// Pixtune: Start Local Sandbox — runs the Mistral-compatible sandbox inside the extension host on a
// free port, points this workspace at it and stores the key "sandbox" for that URL, so the whole
// loop can be rehearsed for free. It stops with the window. The UI labels it "Sandbox" everywhere.
import * as vscode from 'vscode';
import type { Sandbox } from '../../core/sandbox/server';
import type { ServerAccess } from './serverAccess';

export class LocalSandbox implements vscode.Disposable {
  private running: Sandbox | undefined;

  constructor(
    private readonly access: ServerAccess,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get url(): string | undefined {
    return this.running?.url;
  }

  async start(): Promise<string> {
    if (!this.running) {
      const { startSandbox, DEFAULT_SANDBOX_KEY } = await import('../../core/sandbox/server');
      const cfg = vscode.workspace.getConfiguration('pixtune');
      const speed = cfg.get<number>('sandbox.speed') ?? 10;
      const fineTuning = cfg.get<'available' | 'retired' | 'rejecting'>('sandbox.fineTuning') ?? 'available';
      this.running = await startSandbox({ port: 0, apiKey: DEFAULT_SANDBOX_KEY, speed, fineTuning });
      this.access.markSandbox(this.running.url);
      await this.access.storeKey(DEFAULT_SANDBOX_KEY, this.running.url);
      this.log.info(`sandbox listening on ${this.running.url} (fine-tuning ${fineTuning}, speed ×${speed})`);
    }
    const url = this.running.url;
    // Workspace scope: another window keeps its own server; with no folder open, the user scope.
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('pixtune').update('serverUrl', url, target);
    void vscode.window
      .showInformationMessage(`The local sandbox is running at ${url} (not Mistral: nothing is billed). Pixtune uses it for this workspace.`, 'Show Jobs')
      .then((a) => a && vscode.commands.executeCommand('pixtune.jobs.focus'));
    return url;
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
