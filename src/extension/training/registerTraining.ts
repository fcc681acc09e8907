// Wires training on this machine and on a Ray cluster: the jobs of both backends (TrainingJobs), Train Model…,
// Stop / Resume Training, the log, the adapter path, the Ray token, and "Evaluate This Model", which runs the
// trainer's predict and hands the answers to Evaluate Model's import (one parser for every prediction).
import * as vscode from 'vscode';
import type { TrainingJobView } from '../../core/jobs/backends/trainingBackend';
import { clusterAnswersHere, predictLocally, trainedModelName } from '../../core/jobs/backends/trainerPredict';
import { trainingEndedNotice } from '../../core/jobs/backends/trainingEndedNotice';
import { trainingJobKey } from '../../core/jobs/backends/trainingJobsWatcher';
import { UserError } from '../../core/errors';
import { notice, plainForNotification } from '../../core/text/notificationText';
import { toAbortSignal } from '../abortSignal';
import { servingCommandOf } from '../../core/jobs/backends/servingCommand';
import { CommandId } from '../commandIds';
import type { DatasetStore } from '../datasetStore';
import { registerCommand } from '../registerCommand';
import { launchTraining } from './launchTraining';
import { rayAddressSetting, TRAINING_PREFIX, TrainingJobs } from './trainingJobs';

export function registerTraining(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, store: DatasetStore): TrainingJobs {
  const training = new TrainingJobs(context, log);
  context.subscriptions.push(training);
  void training.start().catch((err) => log.warn(`training: ${err instanceof Error ? err.message : String(err)}`));
  context.subscriptions.push({
    dispose: training.watcher.onDidEndJob((e) => {
      const key = TRAINING_PREFIX + trainingJobKey(e.job);
      log.info(`training ${key} ended: ${e.job.status}${e.job.adapter ? ` → ${e.job.adapter}` : ''}${e.whileClosed ? ' (while the window was closed)' : ''}${e.stopRequested ? ' (after a stop request)' : ''}`);
      const n = trainingEndedNotice(e);
      if (!n) return;
      const show = n.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
      void show(n.message, ...n.actions).then((c) => {
        const commands: Record<string, string> = { 'Evaluate This Model': CommandId.evaluateTrainedModel, 'Open Details': CommandId.openJobDetails, 'Show Log': CommandId.showTrainingLog };
        if (c) void vscode.commands.executeCommand(commands[c]!, key);
      });
    }),
  });

  const job = (arg: unknown): TrainingJobView => {
    const v = typeof arg === 'string' ? training.view(arg) : undefined;
    if (!v) throw new UserError('Pick a training job in the Fine-tuning Jobs view.');
    return v;
  };
  const backendOf = (v: TrainingJobView) => {
    const b = training.watcher.backend(v.backend);
    if (!b) throw new UserError(`The ${v.backend === 'ray' ? 'Ray cluster' : 'backend'} of ${v.id} is not connected.`, 'Check pixtune.ray.address.');
    return b;
  };
  const reg = (id: Parameters<typeof registerCommand>[2], fn: (...a: any[]) => unknown) => registerCommand(context, log, id, fn);

  reg(CommandId.trainModel, (arg?: unknown) => launchTraining({ training, store, state: context.globalState }, arg));
  reg(CommandId.stopTraining, async (arg?: unknown) => {
    const v = job(arg);
    const ok = await vscode.window.showWarningMessage(notice`Stop training ${v.id}?`, { modal: true, detail: 'The trainer writes a checkpoint first; Resume Training continues from it.' }, 'Stop Training');
    if (!ok) return;
    // Before the answer, which may already be final: a stop asked for here is not announced as news.
    training.watcher.noteStopRequested(v);
    training.watcher.upsert(await backendOf(v).stop(v.id));
  });
  reg(CommandId.resumeTraining, async (arg?: unknown) => {
    const v = job(arg);
    const b = v.backend === 'local' ? (await training.setUpTrainer()).backend : backendOf(v);
    if (!b.resume) throw new UserError('This backend cannot resume jobs.');
    const resumed = await b.resume(v.id);
    training.watcher.upsert(resumed);
    if (resumed.id !== v.id) await vscode.commands.executeCommand(CommandId.openJobDetails, TRAINING_PREFIX + trainingJobKey(resumed));
  });
  reg(CommandId.showTrainingLog, async (arg?: unknown) => {
    const v = job(arg);
    const doc = await vscode.workspace.openTextDocument({ content: await backendOf(v).logs(v.id), language: 'log' });
    await vscode.window.showTextDocument(doc, { preview: true });
  });
  reg(CommandId.copyAdapterPath, async (arg?: unknown) => {
    const v = job(arg);
    if (!v.adapter) throw new UserError(`Training ${v.id} has no adapter yet.`);
    await vscode.env.clipboard.writeText(v.adapter);
    void vscode.window.showInformationMessage(notice`Copied ${v.adapter}`);
  });
  reg(CommandId.copyServeCommand, async (arg?: unknown) => {
    const v = job(arg);
    const serving = servingCommandOf(v);
    if (!serving) throw new UserError(`Training ${v.id} has no adapter yet.`);
    await vscode.env.clipboard.writeText(serving.serve);
    const where = v.backend === 'ray' ? ' Run it where the adapter is (the cluster\'s storage).' : '';
    void vscode.window.showInformationMessage(notice`Copied the vLLM command that serves ${serving.model} behind an OpenAI-compatible endpoint.${where}`);
  });
  reg(CommandId.setRayToken, async () => {
    const address = rayAddressSetting() ?? (await vscode.window.showInputBox({ title: 'Ray dashboard address', placeHolder: 'http://head-node:8265', ignoreFocusOut: true }))?.trim();
    if (!address) return;
    const token = await vscode.window.showInputBox({ title: `Token of the Ray cluster at ${address}`, prompt: 'From `ray get-auth-token` on the cluster. Kept in the system keychain, never in settings. Empty removes it.', password: true, ignoreFocusOut: true });
    if (token === undefined) return;
    await training.setRayToken(address, token.trim() || undefined);
  });
  reg(CommandId.setUpTrainer, () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Setting up the trainer’s Python environment', cancellable: true }, async (progress, token) => {
      const { python } = await training.setUpTrainer((l) => progress.report({ message: plainForNotification(l) }), token);
      void vscode.window.showInformationMessage(notice`The trainer environment is ready: ${python}`);
    }),
  );
  reg(CommandId.evaluateTrainedModel, async (arg?: unknown) => {
    const v = job(arg);
    if (v.status !== 'SUCCESS' || !v.adapter || !v.runDir) throw new UserError(`Training ${v.id} has not produced an adapter.`);
    const req = { runDir: v.runDir, baseModel: v.baseModel, adapter: v.adapter };
    const name = trainedModelName(v.baseModel, v.adapter);
    const file = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: notice`Predicting the test split with ${name}`, cancellable: true }, async (progress, token) => {
      const signal = toAbortSignal(token);
      if (v.backend === 'local') {
        const { python } = await training.setUpTrainer();
        return predictLocally(req, { python, trainerRoot: training.trainerLocation!.trainerRoot }, { signal, onProgress: (d, t) => progress.report({ message: notice`${d} of ${t} images` }) });
      }
      const ray = await training.rayBackend(v.location);
      if (!ray) throw new UserError('The Ray cluster is not connected.');
      return clusterAnswersHere(await ray.backend.predict(req, signal), `Copy the file to this machine, then run Pixtune: Evaluate Model, choose Import predictions… and pick it (model ${name}).`);
    });
    // Evaluate Model imports the answers (its one parser), writes the predictions file and opens the review.
    await vscode.commands.executeCommand(CommandId.evaluateModel, { runDir: v.runDir, importFiles: [file], model: name });
  });

  return training;
}
