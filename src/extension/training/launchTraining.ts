// Pixtune: Train Model… — from a run node of the Datasets tree or the palette. Asks where to train (this
// machine, the Ray cluster, the Mistral API), the base model (a known open-weight Mistral vision model, a
// Hugging Face id or a model folder) and the length and learning rate (Mistral's defaults: 2 epochs, 1e-4),
// checks what the target has against what the model needs and says so before anything starts (with 4-bit as
// the way out when it fits then), launches, and opens the job's details panel.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { isAbortError, UserError } from '../../core/errors';
import { checkCapacity, checkSourceOnly, identifyModel, KNOWN_MODELS, multiNodeStorageWarning, type CapacityReport } from '../../core/jobs/backends/capacityCheck';
import { localTarget, localTrainerEnv, rayTarget, weightBytes } from '../../core/jobs/backends/capacityProbe';
import { RayError } from '../../core/jobs/backends/ray/rayJobsClient';
import { withCapacityChoice, type CapacityChoice } from '../../core/jobs/backends/trainerConfig';
import { trainingJobKey } from '../../core/jobs/backends/trainingJobsWatcher';
import type { TrainingBackend, TrainingHyperparameters } from '../../core/jobs/backends/trainingBackend';
import { notice, plainForNotification } from '../../core/text/notificationText';
import { listPreparedRuns } from '../../core/training/listPreparedRuns';
import { toAbortSignal } from '../abortSignal';
import { CommandId } from '../commandIds';
import type { DatasetStore } from '../datasetStore';
import { pixtuneFolderFor } from '../workspaceFolders';
import { rayAddressSetting, rayStoragePathSetting, TRAINING_PREFIX, type TrainingJobs } from './trainingJobs';

const LAST_MODEL = 'pixtune.training.lastBaseModel';

/**
 * Hub ids of the open-weight Mistral vision models (Apache-2.0) in a form transformers can LoRA-train, offered first.
 * Ministral 3's plain -Instruct-2512 repositories hold FP8 weights: their -BF16 twins are the ones to train.
 * mistralai/Pixtral-12B-2409 is published in Mistral's own format only; mistral-community/pixtral-12b holds the same
 * weights for transformers (the trainer takes the tokenizer from the official repository).
 */
const SUGGESTED = ['mistralai/Ministral-3-3B-Instruct-2512-BF16', 'mistralai/Ministral-3-8B-Instruct-2512-BF16', 'mistralai/Ministral-3-14B-Instruct-2512-BF16', 'mistral-community/pixtral-12b', 'mistralai/Mistral-Small-3.2-24B-Instruct-2506'];

export interface LaunchTrainingDeps {
  training: TrainingJobs;
  store: DatasetStore;
  state: vscode.Memento;
}

async function resolveRunDir(deps: LaunchTrainingDeps, arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath.endsWith('.jsonl') || arg.fsPath.endsWith('.json') ? dirname(arg.fsPath) : arg.fsPath;
  const node = arg as { kind?: string; runDir?: string } | undefined;
  if (node?.kind === 'run' && typeof node.runDir === 'string') return node.runDir;
  const items: (vscode.QuickPickItem & { runDir: string })[] = [];
  for (const root of deps.store.roots()) {
    for (const run of (await listPreparedRuns(await pixtuneFolderFor(root, { create: false }).catch(() => ''))).filter((r) => !r.error)) {
      items.push({ label: `${root.split(/[\\/]/).pop()} / ${run.name}`, description: run.description?.label, runDir: run.dir });
    }
  }
  if (!items.length) throw new UserError('There is no prepared run to train on yet.', 'Run Pixtune: Generate Training Data on a dataset first.');
  return (await vscode.window.showQuickPick(items, { title: 'Train Model: which run?', ignoreFocusOut: true }))?.runDir;
}

async function pickBaseModel(deps: LaunchTrainingDeps, where: string): Promise<string | undefined> {
  const last = deps.state.get<string>(LAST_MODEL);
  const known = (id: string) => KNOWN_MODELS.find((m) => m.pattern.test(id));
  const items: (vscode.QuickPickItem & { value: string })[] = [
    ...(last && !SUGGESTED.includes(last) ? [{ label: last, description: 'used last time', value: last }] : []),
    ...SUGGESTED.map((id) => ({ label: id, description: `${known(id)?.billions ?? '?'} B parameters · Apache-2.0`, value: id })),
    { label: '$(edit) Another Hugging Face model id…', value: 'id' },
    { label: '$(folder) A model folder…', description: where === 'ray' ? 'a path on the cluster' : 'config, weights and tekken.json', value: 'dir' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Train Model: base model', ignoreFocusOut: true });
  if (!pick) return undefined;
  if (pick.value === 'id') return (await vscode.window.showInputBox({ title: 'Train Model: Hugging Face model id', placeHolder: 'mistralai/…', ignoreFocusOut: true, validateInput: (v) => (/^[\w.-]+\/[\w.-]+$/.test(v.trim()) ? undefined : 'owner/name, e.g. mistral-community/pixtral-12b') }))?.trim();
  if (pick.value === 'dir') {
    if (where === 'ray') return (await vscode.window.showInputBox({ title: 'Train Model: model folder on the cluster', placeHolder: '/models/…', ignoreFocusOut: true, validateInput: (v) => (v.trim().startsWith('/') ? undefined : 'An absolute path on the cluster') }))?.trim();
    return (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Train Model: model folder' }))?.[0]?.fsPath;
  }
  return pick.value;
}

async function askNumber(title: string, value: string, check: (n: number) => string | undefined): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({ title, value, ignoreFocusOut: true, validateInput: (v) => (Number.isFinite(Number(v)) && v.trim() !== '' ? check(Number(v)) : 'A number') });
  return text === undefined ? undefined : Number(text);
}

/** Shows the capacity check; returns the change to make (4-bit, or sharding over the GPUs), as asked, or undefined to stop. */
async function confirmCapacity(report: CapacityReport | undefined, where: string, warnings: string[]): Promise<CapacityChoice | undefined> {
  const detail = [report ? [...report.lines, ...report.wayOut.map((w) => `→ ${w}`)].join('\n') : 'The size of this model is not known, so it was not checked.', ...warnings.map((w) => `⚠ ${w}`)].join('\n');
  const fits = !report || report.verdict !== 'does-not-fit';
  const fourBit = report?.offerFourBit;
  const shard = report?.offerSharding && `Shard over ${report.offerSharding.workers} GPUs and Start`;
  const buttons = [fits ? 'Start Training' : 'Start Anyway', ...(fourBit ? ['Use 4-bit and Start'] : []), ...(shard ? [shard] : [])];
  const show = fits ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  const title = fits ? notice`Train on ${where}?` : report?.sourceProblem ? notice`The base model cannot be loaded on ${where}.` : notice`The model does not fit ${where} as asked.`;
  const choice = await show(title, { modal: true, detail }, ...buttons);
  if (!choice) return undefined;
  return choice === 'Use 4-bit and Start' ? '4bit' : choice === shard ? 'shard' : 'as-asked';
}

export async function launchTraining(deps: LaunchTrainingDeps, arg?: unknown): Promise<void> {
  const runDir = await resolveRunDir(deps, arg);
  if (!runDir) return;
  const where = await vscode.window.showQuickPick(
    [
      { label: '$(device-desktop) This machine', description: 'the trainer as a background process; survives a window reload', value: 'local' as const },
      { label: '$(server-environment) Ray cluster', description: rayAddressSetting() ?? 'set its dashboard address (pixtune.ray.address)', value: 'ray' as const },
      { label: '$(cloud) Mistral API', description: 'hosted fine-tuning (retired in 2026; the sandbox rehearses it)', value: 'mistral' as const },
    ],
    { title: 'Train Model: where?', ignoreFocusOut: true },
  );
  if (!where) return;
  if (where.value === 'mistral') return void vscode.commands.executeCommand(CommandId.launchFineTuning, { kind: 'run', runDir });

  let address: string | undefined;
  if (where.value === 'ray') {
    address = rayAddressSetting();
    if (!address) {
      address = (await vscode.window.showInputBox({ title: 'Train Model: the Ray dashboard address', placeHolder: 'http://head-node:8265', ignoreFocusOut: true, validateInput: (v) => (/^https?:\/\/[^\s]+$/.test(v.trim()) ? undefined : 'http(s)://host:port') }))?.trim().replace(/\/+$/, '');
      if (!address) return;
      await vscode.workspace.getConfiguration('pixtune').update('ray.address', address, vscode.ConfigurationTarget.Global);
    }
  }
  const baseModel = await pickBaseModel(deps, where.value);
  if (!baseModel) return;
  await deps.state.update(LAST_MODEL, baseModel);
  const epochs = await askNumber('Train Model: epochs (Mistral’s default: 2)', '2', (n) => (n > 0 && n <= 100 ? undefined : 'Above 0, at most 100'));
  if (epochs === undefined) return;
  const lr = await askNumber('Train Model: learning rate (Mistral’s default: 1e-4)', '1e-4', (n) => (n > 0 && n <= 1 ? undefined : 'Above 0, at most 1'));
  if (lr === undefined) return;
  let workers = 1;
  let gpus = 0;
  if (where.value === 'ray') {
    const w = await askNumber('Train Model: workers (data-parallel; more than 1 runs Ray Train)', '1', (n) => (Number.isInteger(n) && n >= 1 ? undefined : 'A whole number, at least 1'));
    if (w === undefined) return;
    const g = await askNumber('Train Model: GPUs per worker (0 = CPU)', '1', (n) => (n >= 0 ? undefined : '0 or more'));
    if (g === undefined) return;
    [workers, gpus] = [w, g];
  }
  const hyperparameters: TrainingHyperparameters = { epochs, learning_rate: lr, lora_rank: 16, workers, gpus_per_worker: gpus };
  const label = where.value === 'ray' ? `the Ray cluster at ${address}` : 'this machine';

  const launched = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: notice`Train Model on ${label}`, cancellable: true }, async (progress, token) => {
    const signal = toAbortSignal(token);
    let backend: TrainingBackend;
    let report: CapacityReport | undefined;
    const isDir = await stat(baseModel).then((s) => s.isDirectory(), () => false);
    const model = identifyModel(baseModel, isDir ? await weightBytes(baseModel) : undefined);
    if (where.value === 'local') {
      progress.report({ message: 'preparing the trainer’s Python environment…' });
      const set = await deps.training.setUpTrainer((line) => progress.report({ message: plainForNotification(line) }), token);
      backend = set.backend;
      progress.report({ message: 'checking this machine…' });
      if (gpus === 0) {
        const env = await localTrainerEnv(set.python, deps.training.trainerLocation!.trainerRoot, signal, baseModel);
        // A GPU here: train on it (one worker, one GPU) unless the user said otherwise.
        if (env.gpus > 0) hyperparameters.gpus_per_worker = gpus = 1;
        const target = await localTarget(env);
        const source = { kind: isDir ? ('local-dir' as const) : ('hub-id' as const), id: baseModel };
        report = model ? checkCapacity({ modelBillions: model.billions, modelName: model.name, precision: 'bf16', workers, gpusPerWorker: gpus }, target, source) : checkSourceOnly(target, source);
      }
    } else {
      const ray = await deps.training.rayBackend(address, (s) => progress.report({ message: plainForNotification(s === 'package' ? 'packaging the trainer and the run…' : s === 'upload' ? 'uploading the package…' : 'submitting the job…') }));
      // Undefined only when the trainer is missing from this installation (the address is known here).
      if (!ray) throw deps.training.trainerMissing();
      backend = ray.backend;
      progress.report({ message: 'checking the cluster…' });
      try {
        // The probe runs whatever the model: the cluster's answer on the base model counts even when its size is unknown.
        const target = await rayTarget(ray.backend, ray.client, signal, baseModel);
        const source = { kind: baseModel.startsWith('/') ? ('local-dir' as const) : ('hub-id' as const), id: baseModel };
        report = model ? checkCapacity({ modelBillions: model.billions, modelName: model.name, precision: 'bf16', workers, gpusPerWorker: gpus }, target, source) : checkSourceOnly(target, source);
      } catch (err) {
        if (err instanceof RayError && err.kind === 'auth') throw new UserError(err.message, 'Run "Pixtune: Set Ray Cluster Token" and train again.');
        throw err;
      }
    }
    // Offered sharding runs more workers: the storage warning counts them too.
    const storageWarning = where.value === 'ray' ? multiNodeStorageWarning(Math.max(workers, report?.offerSharding?.workers ?? 0), rayStoragePathSetting()) : undefined;
    const go = await confirmCapacity(report, label, storageWarning ? [storageWarning] : []);
    if (!go) return undefined;
    progress.report({ message: 'starting…' });
    return backend.launch({ runDir, baseModel, hyperparameters: withCapacityChoice(hyperparameters, go, report?.offerSharding) }, signal);
  }).then(undefined, (err: unknown) => {
    if (isAbortError(err)) return undefined;
    throw err;
  });
  if (!launched) return;
  deps.training.watcher.upsert(launched);
  deps.training.log.info(`training: started ${launched.id} on ${launched.location} (${baseModel}, run ${runDir})`);
  await vscode.commands.executeCommand(CommandId.openJobDetails, TRAINING_PREFIX + trainingJobKey(launched));
}
