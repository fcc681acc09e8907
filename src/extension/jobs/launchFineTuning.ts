// Pixtune: Launch Fine-Tuning. Asks for the base model (from the server's list), the length of
// training, the learning rate, a suffix and whether to use the validation file; then uploads,
// creates the job with auto_start false, waits for the service's validation, shows the service's cost
// next to our own estimate, and starts the job only if the user confirms (cancelling it otherwise).
import * as vscode from 'vscode';
import { notice, plainForNotification } from '../../core/text/notificationText';
import { dirname, join } from 'node:path';
import { MistralError } from '../../core/mistral/errors';
import { UserError, isAbortError } from '../../core/errors';
import { baseModelChoices, type ModelCardLike } from '../../core/jobs/baseModelChoice';
import { cleanSuffix, createValidatedJob, type LaunchChoices } from '../../core/jobs/launchJob';
import { findRunFiles, runDisplayName, type RunFiles } from '../../core/jobs/runFolderFiles';
import { readOwnEstimate, type OwnEstimate } from '../../core/jobs/ownEstimate';
import { describeValidatedJob } from '../../core/jobs/launchCost';
import { formatSeconds } from '../../core/jobs/formatJob';
import type { FineTuningJob } from '../../core/mistral/wireSchemas';
import { toAbortSignal } from '../abortSignal';
import { CommandId } from '../commandIds';
import type { ServerAccess, ServerInfo } from './serverAccess';
import type { JobsController } from './jobsController';
import type { JobLinkStore } from './jobLinkStore';
import { showFineTuningUnavailable } from './fineTuningUnavailable';

export interface LaunchDeps {
  access: ServerAccess;
  controller: JobsController;
  links: JobLinkStore;
  log: vscode.LogOutputChannel;
  uploadCachePath: string;
}

/** The Datasets tree passes `{ kind: 'run', runDir }`; the Explorer passes a Uri; the palette nothing. */
async function resolveRunDir(arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return arg.fsPath.endsWith('.jsonl') || arg.fsPath.endsWith('.json') ? dirname(arg.fsPath) : arg.fsPath;
  const node = arg as { kind?: string; runDir?: string } | undefined;
  if (node?.kind === 'run' && typeof node.runDir === 'string') return node.runDir;
  const found = await vscode.workspace.findFiles('**/.pixtune/*/*/{train.jsonl,train.part-001.jsonl,manifest.json}', '**/node_modules/**', 500);
  const dirs = [...new Set(found.map((u) => dirname(u.fsPath)))];
  if (!dirs.length) {
    throw new UserError('No prepared run was found in this workspace.', 'Run Pixtune: Generate Training Data on a dataset first.');
  }
  const items = await Promise.all(
    dirs.map(async (dir) => ({ label: runDisplayName(dir), detail: vscode.workspace.asRelativePath(dir), dir, mtime: (await vscode.workspace.fs.stat(vscode.Uri.file(dir))).mtime })),
  );
  items.sort((a, b) => b.mtime - a.mtime);
  const pick = await vscode.window.showQuickPick(items, { title: 'Launch Fine-Tuning (1/5): prepared run', placeHolder: 'Pick the run folder whose train.jsonl to train on', ignoreFocusOut: true });
  return pick?.dir;
}

async function askKeyFirst(server: ServerInfo): Promise<void> {
  const choice = await vscode.window.showWarningMessage(notice`No API key is set for ${server.label}.`, 'Set API Key', 'Start Local Sandbox');
  if (choice === 'Set API Key') await vscode.commands.executeCommand(CommandId.setApiKey);
  if (choice === 'Start Local Sandbox') await vscode.commands.executeCommand(CommandId.startSandbox);
}

async function askChoices(deps: LaunchDeps, server: ServerInfo, run: RunFiles, estimate: OwnEstimate | undefined): Promise<LaunchChoices | undefined> {
  const conn = await deps.access.connection();
  const models = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Listing models on ${server.label}` }, () => conn.models.list());
  const choices = baseModelChoices((models.data ?? []) as ModelCardLike[]);
  if (!choices.length) throw new UserError(`${server.label} lists no base models.`, 'Check the server URL setting.');
  const model = await vscode.window.showQuickPick(
    choices.map((c) => ({ label: c.id, description: c.name && c.name !== c.id ? c.name : undefined, detail: c.detail, id: c.id })),
    { title: `Launch Fine-Tuning (2/5): base model on ${server.label}`, placeHolder: 'Fine-tunable vision models are listed first', ignoreFocusOut: true },
  );
  if (!model) return undefined;

  const lengthKind = await vscode.window.showQuickPick(
    [
      { label: 'Epochs', detail: 'Passes over the training data (the service derives the steps)', unit: 'epochs' as const },
      { label: 'Training steps', detail: 'An exact number of optimisation steps', unit: 'steps' as const },
    ],
    { title: 'Launch Fine-Tuning (3/5): how long to train', ignoreFocusOut: true },
  );
  if (!lengthKind) return undefined;
  const lengthText = await vscode.window.showInputBox({
    title: `Launch Fine-Tuning (3/5): ${lengthKind.label.toLowerCase()}`,
    value: lengthKind.unit === 'epochs' ? String(estimate?.epochs ?? 1) : '50',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const n = Number(v);
      if (lengthKind.unit === 'epochs') return n > 0 && n <= 100 ? undefined : 'A number above 0, at most 100.';
      return Number.isInteger(n) && n >= 1 ? undefined : 'A whole number of at least 1.';
    },
  });
  if (lengthText === undefined) return undefined;
  const lrText = await vscode.window.showInputBox({
    title: 'Launch Fine-Tuning (4/5): learning rate',
    value: '1e-4',
    ignoreFocusOut: true,
    validateInput: (v) => (Number(v) > 0 && Number(v) <= 1 ? undefined : 'A number above 0 and at most 1, e.g. 1e-4.'),
  });
  if (lrText === undefined) return undefined;
  const suffixText = await vscode.window.showInputBox({
    title: 'Launch Fine-Tuning (5/5): model suffix (optional)',
    prompt: 'Letters, digits and dashes, at most 18 characters; part of the fine-tuned model id.',
    value: cleanSuffix(run.runName.split('/')[0] ?? ''),
    ignoreFocusOut: true,
    validateInput: (v) => (v === '' || v === cleanSuffix(v) ? undefined : `Letters, digits and dashes only, at most 18 characters (e.g. "${cleanSuffix(v) || 'aerial'}").`),
  });
  if (suffixText === undefined) return undefined;
  let useValidation = false;
  if (run.validation.length) {
    const v = await vscode.window.showQuickPick(
      [
        { label: 'Use the validation file', detail: 'Validation loss and token accuracy per checkpoint', use: true },
        { label: 'Train without validation', use: false },
      ],
      { title: 'Launch Fine-Tuning: validation', ignoreFocusOut: true },
    );
    if (!v) return undefined;
    useValidation = v.use;
  }
  const n = Number(lengthText);
  return {
    model: model.id,
    ...(lengthKind.unit === 'epochs' ? { epochs: n } : { trainingSteps: n }),
    learningRate: Number(lrText),
    suffix: suffixText || undefined,
    useValidation,
  };
}

export async function launchFineTuning(deps: LaunchDeps, arg: unknown): Promise<FineTuningJob | undefined> {
  const runDir = await resolveRunDir(arg);
  if (!runDir) return undefined;
  const run = await findRunFiles(runDir);
  const server = await deps.access.info();
  if (!(await deps.access.hasKey())) {
    await askKeyFirst(server);
    return undefined;
  }
  const estimate = await readOwnEstimate(runDir);
  try {
    const choices = await askChoices(deps, server, run, estimate);
    if (!choices) return undefined;
    const conn = await deps.access.connection();
    let createdId: string | undefined;
    const launch = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: notice`Fine-tuning on ${server.label}`, cancellable: true },
      (progress, token) => {
        let lastPct = 0;
        return createValidatedJob(conn, run, choices, {
          signal: toAbortSignal(token),
          uploadCachePath: deps.uploadCachePath,
          onStage: (s) => {
            if (s.stage === 'upload') progress.report({ message: notice`${s.reused ? 'Reusing the uploaded' : 'Uploading'} ${s.file.split(/[\\/]/).pop()} (${s.index + 1}/${s.count})` });
            if (s.stage === 'create') progress.report({ message: 'Creating the job (not started)…' });
            if (s.stage === 'validate') progress.report({ message: notice`The service is validating the data: ${s.status.toLowerCase()}…` });
            lastPct = 0;
          },
          onProgress: (p) => {
            const pct = p.total ? Math.floor((p.done / p.total) * 100) : 0;
            if (pct > lastPct) {
              progress.report({ increment: pct - lastPct, message: notice`Uploading: ${pct}%${p.etaSeconds !== undefined ? `, ${formatSeconds(p.etaSeconds)} left` : ''}` });
              lastPct = pct;
            }
          },
          onCreated: async (created, uploads) => {
            createdId = created.id;
            deps.controller.upsert(created);
            await deps.links.save({
              jobId: created.id,
              runDir,
              serverUrl: server.url,
              model: created.model,
              createdAt: created.created_at,
              lastStatus: created.status,
              uploadedFiles: uploads.map((u) => ({ path: u.path, fileId: u.fileId, role: u.role })),
            });
          },
        });
      },
    );
    const { job } = await Promise.resolve(launch).catch(async (err: unknown) => {
      // Cancelled while uploading or validating: the job (if created) was cancelled by createValidatedJob and is
      // the user's own decision, so it leaves the list like a job declined at the confirmation.
      if (createdId && (isAbortError(err) || err instanceof vscode.CancellationError)) await deps.controller.decline(createdId);
      throw err;
    });
    deps.controller.upsert(job);
    if (job.status !== 'VALIDATED') return job; // auto-started elsewhere or already running
    const start: vscode.MessageItem = { title: 'Start Job' };
    const answer = await vscode.window.showInformationMessage(
      notice`Start fine-tuning ${job.model} on ${server.label}?`,
      { modal: true, detail: plainForNotification(describeValidatedJob(job, server, estimate)) },
      start,
      { title: "Don't Start", isCloseAffordance: true },
    );
    if (answer !== start) {
      // Declined: nothing was trained or billed. The job is cancelled on the server (it cannot be deleted) and
      // leaves the list without a notification, so nothing is left that the user has to understand.
      await deps.controller.decline(job.id);
      const cancelled = await conn.jobs.cancel(job.id);
      deps.controller.upsert(cancelled);
      deps.log.info(`job ${job.id} declined at the confirmation and cancelled on ${server.label}; nothing was trained`);
      return undefined;
    }
    const started = await conn.jobs.start(job.id);
    deps.controller.upsert(started);
    deps.log.info(`job ${started.id} started on ${server.label} from ${run.runName}`);
    void vscode.commands.executeCommand('pixtune.jobs.focus');
    return started;
  } catch (err) {
    if (err instanceof MistralError && err.kind === 'fine-tuning-unavailable') {
      showFineTuningUnavailable(server.url, deps.log, err.detail);
      void deps.controller.refresh();
      return undefined;
    }
    throw err;
  }
}

export function uploadCachePathFor(context: vscode.ExtensionContext): string {
  return join(context.globalStorageUri.fsPath, 'uploaded-files.json');
}
