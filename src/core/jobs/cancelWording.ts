// What Pixtune says around cancelling a job. The confirmation's buttons must not be mis-clicked: VS Code's
// own dismiss button reads "Cancel", so ours never says "Cancel" — it names the act ("Stop Training",
// "Discard Job") and the dismiss button names the other choice ("Keep Training"). A cancel that arrives
// after the job has finished is said to have come too late, instead of a bare "finished" message.
import { jobFailureMessage } from '../mistral/jobSummary';
import type { FineTuningJob } from '../mistral/wireSchemas';
import { isTerminalJobStatus } from '../mistral/wireSchemas';
import { statusLook } from './jobStatusView';

export interface CancelDialog {
  message: string;
  detail: string;
  /** The button that cancels the job. */
  confirm: string;
  /** The close button (Escape), which leaves the job alone. */
  keep: string;
}

/** "pixtral-12b-latest · aerial (job 1a2b3c4d)": what a person recognises, with a short id to tell jobs apart. */
export function jobName(job: FineTuningJob | undefined, jobId: string): string {
  if (!job) return `job ${jobId.slice(0, 8)}`;
  return `${job.fine_tuned_model ?? `${job.model}${job.suffix ? ` · ${job.suffix}` : ''}`} (job ${jobId.slice(0, 8)})`;
}

export function cancelDialog(job: FineTuningJob | undefined, jobId: string): CancelDialog {
  const name = jobName(job, jobId);
  if (job?.status === 'VALIDATED' && !job.auto_start) {
    return {
      message: `Discard ${name}?`,
      detail: 'It was validated but never started: nothing has been trained or billed. A discarded job cannot be started again.',
      confirm: 'Discard Job',
      keep: 'Keep Job',
    };
  }
  const status = job ? ` It is ${statusLook(job.status).label.toLowerCase()}.` : '';
  return {
    message: `Stop training ${name}?`,
    detail: `${status} A stopped job cannot be resumed and produces no model; steps already trained may still be billed.`.trim(),
    confirm: 'Stop Training',
    keep: 'Keep Training',
  };
}

/** The server's answer to a cancel request: a sentence when the job had already ended, else undefined. */
export function cancelTooLate(answer: FineTuningJob): string | undefined {
  if (!isTerminalJobStatus(answer.status) || answer.status === 'CANCELLED') return undefined;
  return endedDespiteCancel(answer);
}

function endedDespiteCancel(job: FineTuningJob): string {
  if (job.status === 'SUCCESS') return `The cancel came too late: the job had already finished, and ${job.fine_tuned_model ?? 'its model'} is ready.`;
  const reason = jobFailureMessage(job);
  return `The cancel came too late: the job had already ended (${statusLook(job.status).label.toLowerCase()})${reason ? `: ${reason}` : '.'}`;
}

export interface EndedNotice {
  severity: 'info' | 'error';
  message: string;
  /** Buttons offered with it. */
  actions: ('Evaluate this model' | 'Open Details')[];
}

/** The notification when a job ends (server suffix " (Sandbox)" when it is the sandbox). */
export function jobEndedNotice(job: FineTuningJob, server: { kind: string }, cancelRequested = false): EndedNotice {
  const where = server.kind === 'sandbox' ? ' (Sandbox)' : '';
  const name = jobName(job, job.id);
  if (job.status === 'SUCCESS') {
    const model = job.fine_tuned_model ?? job.id;
    const message = cancelRequested ? `${endedDespiteCancel(job).replace(/\.$/, '')}${where}.` : `Fine-tuning finished${where}: ${model} is ready.`;
    return { severity: 'info', message, actions: ['Evaluate this model', 'Open Details'] };
  }
  if (job.status === 'CANCELLED') return { severity: 'info', message: `Fine-tuning of ${name} was stopped${where}.`, actions: [] };
  if (cancelRequested) return { severity: 'info', message: `${endedDespiteCancel(job).replace(/\.$/, '')}${where}.`, actions: ['Open Details'] };
  const reason = jobFailureMessage(job);
  return { severity: 'error', message: `Fine-tuning of ${name} failed${where}${reason ? `: ${reason}` : '.'}`, actions: ['Open Details'] };
}
