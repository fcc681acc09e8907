// The training backends in the extension: this machine (always; its jobs index is the CLI's, so jobs started
// from a terminal show up too) and the Ray cluster of the pixtune.ray.address setting (its token in
// SecretStorage). Their jobs join the Fine-tuning Jobs view in groups by backend and open in the same
// details panel; this file turns the core's TrainingJobsWatcher into tree rows, panel models and commands.
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { errorMessage, UserError } from '../../core/errors';
import { LocalTrainingBackend } from '../../core/jobs/backends/local/localBackend';
import { RayTrainingBackend } from '../../core/jobs/backends/ray/rayBackend';
import { RayJobsClient } from '../../core/jobs/backends/ray/rayJobsClient';
import { locateTrainer, setUpTrainerEnvironment, type TrainerLocation } from '../../core/jobs/backends/trainerEnvironment';
import { BACKEND_LABELS, toFineTuningJob, type BackendKind, type TrainingJobView } from '../../core/jobs/backends/trainingBackend';
import { trainingJobKey, TrainingJobsWatcher } from '../../core/jobs/backends/trainingJobsWatcher';
import { TrainingStatusMemory } from '../../core/jobs/backends/trainingStatusMemory';
import { jobDetailsModel, type JobDetailsModel } from '../../core/jobs/jobDetailsModel';
import { formatSeconds } from '../../core/jobs/formatJob';
import { servingCommandOf } from '../../core/jobs/backends/servingCommand';
import { jobRowModel } from '../../core/jobs/jobRowModel';
import { CommandId } from '../commandIds';
import { isWorkspaceTrusted, requireTrustedWorkspace } from '../workspaceTrust';

/** Tree element ids: groups, and training jobs ("training:local:local-run-1a2b3c4d"). */
export const MISTRAL_GROUP = 'group:mistral';
export const TRAINING_PREFIX = 'training:';
const GROUP_OF: Record<Exclude<BackendKind, 'mistral'>, string> = { local: 'group:local', ray: 'group:ray' };
const RAY_TOKEN_KEY = 'pixtune.ray.token:';

export function rayAddressSetting(): string | undefined {
  const v = vscode.workspace.getConfiguration('pixtune').get<string>('ray.address')?.trim();
  return v ? v.replace(/\/+$/, '') : undefined;
}

export function rayStoragePathSetting(): string | undefined {
  return vscode.workspace.getConfiguration('pixtune').get<string>('ray.storagePath')?.trim() || undefined;
}

export class TrainingJobs implements vscode.Disposable {
  readonly watcher: TrainingJobsWatcher;
  private readonly subs: vscode.Disposable[] = [];
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private trainer: TrainerLocation | undefined;
  /** Why the trainer was not found (locateTrainer's message), for commands that need it. */
  private trainerProblem: unknown;
  private python: string | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    // Global storage, not the workspace's: every window lists the same jobs (this machine's index, the cluster's
    // list), so one memory announces a job that ended while all were closed once, not once per workspace; and a
    // window without a folder has no workspace storage. Under Remote-SSH/WSL it lives on the remote, with the jobs.
    const memory = new TrainingStatusMemory({ file: join(context.globalStorageUri.fsPath, 'training-status-seen.json'), log });
    this.watcher = new TrainingJobsWatcher({ log, memory });
    const off = this.watcher.onDidChange(() => this.emitter.fire());
    this.subs.push({ dispose: off }, this.emitter);
    this.subs.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pixtune.ray') && void this.connectRay()));
    // Restricted Mode sends no token: the cluster is listed once the workspace is trusted.
    this.subs.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.connectRay()));
  }

  /** The jobs index shared with the CLI (pixtune train --backend local). */
  static indexFile(): string {
    return join(process.env.PIXTUNE_CACHE ?? join(homedir(), '.cache', 'pixtune'), 'local-jobs.json');
  }

  async start(): Promise<void> {
    this.trainer = await locateTrainer(this.context.extensionUri.fsPath).catch((err) => {
      this.trainerProblem = err;
      this.log.warn(`training: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    // Listing and following local jobs needs no Python; launching does (setUpTrainer first).
    if (this.trainer) this.watcher.setBackend('local', this.localBackend(this.python ?? 'python3'));
    await this.connectRay();
  }

  private localBackend(python: string): LocalTrainingBackend {
    return new LocalTrainingBackend({ python, trainerRoot: this.trainer!.trainerRoot, indexFile: TrainingJobs.indexFile() });
  }

  /** The trainer's environment, set up (with progress) the first time. */
  async setUpTrainer(progress?: (line: string) => void, token?: vscode.CancellationToken): Promise<{ python: string; backend: LocalTrainingBackend }> {
    if (!this.trainer) throw this.trainerMissing();
    // As in the CLI: an interpreter given by the environment is used as it is (tests, a hand-made environment).
    if (!this.python && process.env.PIXTUNE_TRAINER_PYTHON) {
      this.python = process.env.PIXTUNE_TRAINER_PYTHON;
      this.watcher.setBackend('local', this.localBackend(this.python));
    }
    if (!this.python) {
      const controller = new AbortController();
      token?.onCancellationRequested(() => controller.abort());
      this.python = await setUpTrainerEnvironment(this.trainer, { signal: controller.signal, onLine: (l) => (this.log.info(`trainer setup: ${l}`), progress?.(l.replace(/^\[setup-python\]\s*/, ''))) });
      this.watcher.setBackend('local', this.localBackend(this.python));
    }
    return { python: this.python, backend: this.localBackend(this.python) };
  }

  /** The error to show when the trainer is not part of this installation: locateTrainer's own, when it ran. */
  trainerMissing(): Error {
    return this.trainerProblem instanceof UserError ? this.trainerProblem : new UserError('The Python trainer is not part of this installation.', 'Reinstall the extension.');
  }

  get trainerLocation(): TrainerLocation | undefined {
    return this.trainer;
  }

  async rayToken(address: string): Promise<string | undefined> {
    return this.context.secrets.get(RAY_TOKEN_KEY + address);
  }

  async setRayToken(address: string, token: string | undefined): Promise<void> {
    if (token) await this.context.secrets.store(RAY_TOKEN_KEY + address, token);
    else await this.context.secrets.delete(RAY_TOKEN_KEY + address);
    await this.connectRay();
  }

  /** A Ray backend for `address` (the setting's by default), with its stored token. */
  async rayBackend(address = rayAddressSetting(), onStage?: (s: string) => void): Promise<{ backend: RayTrainingBackend; client: RayJobsClient } | undefined> {
    if (!address || !this.trainer) return undefined;
    requireTrustedWorkspace();
    const client = new RayJobsClient({ address, token: await this.rayToken(address), tokenAction: 'Run "Pixtune: Set Ray Cluster Token" and try again.' });
    const backend = new RayTrainingBackend({ client, trainerRoot: this.trainer.trainerRoot, storagePath: rayStoragePathSetting(), onStage, log: this.log });
    return { backend, client };
  }

  /** Never rejects: a client that cannot be made (a token for plain http to another machine) is shown in the Ray group. */
  private async connectRay(): Promise<void> {
    if (!isWorkspaceTrusted()) return this.watcher.setBackend('ray', undefined);
    try {
      const ray = await this.rayBackend();
      this.watcher.setBackend('ray', ray?.backend);
    } catch (err) {
      this.log.warn(`training: Ray: ${errorMessage(err)}`);
      this.watcher.setBackendError('ray', errorMessage(err));
    }
  }

  // ——— the Fine-tuning Jobs view ———

  /** True when the view groups by backend: some job (or an error) on this machine or the Ray cluster. */
  hasJobs(): boolean {
    return this.groupIds().length > 0;
  }

  groupIds(): string[] {
    return (['local', 'ray'] as const).filter((k) => this.watcher.list(k).length || this.watcher.error(k)).map((k) => GROUP_OF[k]);
  }

  children(element: string): string[] {
    const kind = (Object.keys(GROUP_OF) as (keyof typeof GROUP_OF)[]).find((k) => GROUP_OF[k] === element);
    return kind ? this.watcher.list(kind).map((v) => TRAINING_PREFIX + trainingJobKey(v)) : [];
  }

  view(id: string): TrainingJobView | undefined {
    return id.startsWith(TRAINING_PREFIX) ? this.watcher.get(id.slice(TRAINING_PREFIX.length)) : undefined;
  }

  /** A tree item for a group or a training job; undefined for the Mistral view's own ids. */
  treeItem(id: string, mistralLabel: string | undefined): vscode.TreeItem | undefined {
    if (id === MISTRAL_GROUP || id === GROUP_OF.local || id === GROUP_OF.ray) {
      const kind: BackendKind = id === MISTRAL_GROUP ? 'mistral' : id === GROUP_OF.local ? 'local' : 'ray';
      const item = new vscode.TreeItem(BACKEND_LABELS[kind], vscode.TreeItemCollapsibleState.Expanded);
      item.id = id;
      item.iconPath = new vscode.ThemeIcon(kind === 'mistral' ? 'cloud' : kind === 'local' ? 'device-desktop' : 'server-environment');
      item.description = kind === 'mistral' ? mistralLabel : kind === 'ray' ? rayAddressSetting() : undefined;
      const error = kind === 'mistral' ? undefined : this.watcher.error(kind);
      if (error) item.tooltip = error;
      item.contextValue = `trainingGroup.${kind}`;
      return item;
    }
    const v = this.view(id);
    if (!v) return undefined;
    const row = jobRowModel(toFineTuningJob(v), Date.now(), { runName: v.runDir ? v.runDir.split(/[\\/]/).slice(-2).join('/') : undefined });
    // A stopped training is not gone: it keeps its checkpoint and can be resumed.
    if (v.status === 'CANCELLED') row.description = row.description.replace(/^Cancelled/, v.resumable ? 'Stopped, resumable' : 'Stopped');
    const item = new vscode.TreeItem(`${v.baseModel.split(/[\\/]/).filter(Boolean).pop() ?? v.baseModel} · ${v.id}`, vscode.TreeItemCollapsibleState.None);
    item.id = id;
    item.description = row.description;
    const tip = new vscode.MarkdownString();
    for (const line of [...row.tooltip, v.message ? `Message: ${v.message}` : '', v.adapter ? `Adapter: ${v.adapter}` : ''].filter(Boolean)) tip.appendText(line + '\n\n');
    item.tooltip = tip;
    item.iconPath = new vscode.ThemeIcon(row.look.icon, row.look.color ? new vscode.ThemeColor(row.look.color) : undefined);
    const flags = ['trainingJob'];
    if (row.look.active && v.status !== 'CANCELLATION_REQUESTED') flags.push('stoppable');
    if (v.resumable) flags.push('resumable');
    if (v.status === 'SUCCESS' && v.adapter) flags.push('trained');
    item.contextValue = flags.join('.');
    item.accessibilityInformation = { label: `${item.label}, ${row.description}` };
    item.command = { command: CommandId.openJobDetails, title: 'Open Details', arguments: [id] };
    return item;
  }

  // ——— the details panel ———

  detailsModel(id: string): { model: JobDetailsModel; title: string } | undefined {
    const v = this.view(id);
    if (!v) return undefined;
    const model = jobDetailsModel(toFineTuningJob(v), { nowMs: Date.now(), serverLabel: v.backend === 'ray' ? `Ray · ${v.location}` : BACKEND_LABELS[v.backend], isSandbox: false, runName: v.runDir });
    // No bill here: what the training took instead of what the service charged.
    const last = v.metrics.at(-1);
    const serving = servingCommandOf(v);
    const costs = [
      ...(last?.elapsed_seconds !== undefined ? [{ label: v.backend === 'ray' ? 'Training time (cluster)' : 'Training time (this machine)', value: formatSeconds(last.elapsed_seconds) }] : []),
      ...(last?.tokens_per_second !== undefined ? [{ label: 'Throughput', value: `${Math.round(last.tokens_per_second).toLocaleString('en-US')} tokens/s` }] : []),
      ...(v.adapter ? [{ label: 'Adapter', value: v.adapter }] : []),
    ];
    const commands = serving
      ? [
          { label: `Serve the adapter behind an OpenAI-compatible endpoint with vLLM (on a GPU machine that holds it${v.backend === 'ray' ? ': the cluster\'s storage' : ''}):`, value: serving.serve },
          ...(serving.evaluate ? [{ label: 'Then evaluate it on the run\'s test split:', value: serving.evaluate }] : []),
        ]
      : undefined;
    const base = v.baseModel.split(/[\\/]/).filter(Boolean).pop() ?? v.baseModel;
    return {
      model: {
        ...model,
        title: `${base} · ${v.id}`,
        statusLabel: v.status === 'CANCELLED' ? (v.resumable ? 'Stopped, resumable' : 'Stopped') : model.statusLabel,
        costs,
        ...(commands ? { commands } : {}),
        // The panel's Cancel and Start act on Mistral jobs; here Stop is the training's own command.
        canStart: false,
        failure: model.failure && v.logTail ? `${model.failure}\n\n${v.logTail}` : model.failure,
      },
      title: `Training ${v.id}`,
    };
  }

  /** The command a panel button runs for a training job (the page's actions are named after Mistral's). */
  commandFor(action: 'start' | 'cancel' | 'refresh' | 'copyModelId'): string | undefined {
    return { start: undefined, cancel: CommandId.stopTraining, refresh: CommandId.refreshJobs, copyModelId: CommandId.copyAdapterPath }[action];
  }

  dispose(): void {
    this.watcher.dispose();
    for (const s of this.subs) s.dispose();
  }
}
