// Item actions on a job (tree row or details panel): Start, Cancel (after a modal confirmation),
// Copy Model ID, and the notification when a job ends.
import * as vscode from 'vscode';
import { notice, plainForNotification } from '../../core/text/notificationText';
import { UserError } from '../../core/errors';
import { cancelDialog, cancelTooLate, jobEndedNotice } from '../../core/jobs/cancelWording';
import type { FineTuningJob } from '../../core/mistral/wireSchemas';
import { canCancel, canStart } from '../../core/jobs/jobStatusView';
import { jobPickItem } from '../../core/jobs/jobPickItem';
import { CommandId } from '../commandIds';
import type { JobsController, JobEnded } from './jobsController';
import type { ServerAccess } from './serverAccess';

/** Tree rows pass the job id; a details panel passes it too; the palette passes nothing. */
export async function resolveJobId(controller: JobsController, arg: unknown, want: (job: FineTuningJob) => boolean, placeHolder: string): Promise<string | undefined> {
  if (typeof arg === 'string' && arg) return arg;
  const candidates = controller.list().filter(want);
  if (!candidates.length) throw new UserError('No fine-tuning job fits this action right now.', 'Refresh the Fine-tuning Jobs view.');
  const pick = await vscode.window.showQuickPick(
    // The status as the tree says it ("Succeeded"), not the wire value ("SUCCESS").
    candidates.map(jobPickItem),
    { placeHolder },
  );
  return pick?.id;
}

export async function startJob(access: ServerAccess, controller: JobsController, arg: unknown): Promise<void> {
  const id = await resolveJobId(controller, arg, (j) => canStart(j.status), 'Start which validated job?');
  if (!id) return;
  const conn = await access.connection();
  const job = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Starting the fine-tuning job…' }, () => conn.jobs.start(id));
  controller.upsert(job);
}

export async function cancelJob(access: ServerAccess, controller: JobsController, arg: unknown): Promise<void> {
  const id = await resolveJobId(controller, arg, (j) => canCancel(j.status), 'Stop which job?');
  if (!id) return;
  // Buttons that name the act ("Stop Training" / "Keep Training"): VS Code's own dismiss button says "Cancel".
  const dialog = cancelDialog(controller.get(id), id);
  const stop: vscode.MessageItem = { title: dialog.confirm };
  const keep: vscode.MessageItem = { title: dialog.keep, isCloseAffordance: true };
  const answer = await vscode.window.showWarningMessage(plainForNotification(dialog.message), { modal: true, detail: plainForNotification(dialog.detail) }, stop, keep);
  if (answer !== stop) return;
  const conn = await access.connection();
  controller.noteCancelRequested(id);
  const after = await conn.jobs.cancel(id);
  controller.upsert(after);
  const late = cancelTooLate(after);
  if (late) void vscode.window.showInformationMessage(plainForNotification(late));
}

export async function copyModelId(controller: JobsController, arg: unknown): Promise<void> {
  const id = await resolveJobId(controller, arg, (j) => Boolean(j.fine_tuned_model), 'Copy the model id of which job?');
  const model = id ? controller.get(id)?.fine_tuned_model : undefined;
  if (!model) return;
  await vscode.env.clipboard.writeText(model);
  void vscode.window.showInformationMessage(notice`Copied the model id ${model}.`);
}

/**
 * "Evaluate this model": evaluation arrives in a later Pixtune version. Until then this copies the
 * model id and says what to do with it; it does not pretend to evaluate.
 */
export async function explainEvaluation(model: string): Promise<void> {
  await vscode.env.clipboard.writeText(model);
  await vscode.window.showInformationMessage(
    notice`The model id ${model} is on the clipboard.`,
    {
      modal: true,
      detail:
        'Evaluating a model on the run\'s test batch (test.batch.jsonl) is coming in a later Pixtune version. Until then, use this id with the Mistral chat or batch API (or the sandbox) to compare it with the base model.',
    },
  );
}

export function notifyJobEnded(e: JobEnded, log: vscode.LogOutputChannel): void {
  const { job, server } = e;
  log.info(`job ${job.id} ended: ${job.status}${job.fine_tuned_model ? ` → ${job.fine_tuned_model}` : ''}${e.cancelRequested ? ' (after a cancel request)' : ''}`);
  const n = jobEndedNotice(job, server, e.cancelRequested);
  const show = n.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
  void show(plainForNotification(n.message), ...n.actions).then((a) => {
    if (a === 'Evaluate this model') void explainEvaluation(job.fine_tuned_model ?? job.id);
    if (a === 'Open Details') void vscode.commands.executeCommand(CommandId.openJobDetails, job.id);
  });
}
