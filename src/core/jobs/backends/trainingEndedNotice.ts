// What Pixtune says when a training on this machine or a Ray cluster ends: the job named as a person knows it
// (base model and run folder, no job id), "while the window was closed" when it ended unwatched, and a stop the
// user asked for is not news (a success after it means the stop came too late), as the Mistral jobs say it.
import { notice } from '../../text/notificationText';
import type { TrainingJobView } from './trainingBackend';
import type { TrainingJobEnded } from './trainingJobsWatcher';

export type TrainingEndedAction = 'Evaluate This Model' | 'Open Details' | 'Show Log';

export interface TrainingEndedNotice {
  severity: 'info' | 'error';
  /** Safe for a notification: every value went through `notice`. */
  message: string;
  actions: TrainingEndedAction[];
}

/** "tiny-model on aid/run-1" (the base model's last path part, the run's last two), or the model alone. */
export function trainingName(v: Pick<TrainingJobView, 'baseModel' | 'runDir'>): string {
  const model = v.baseModel.split(/[\\/]/).filter(Boolean).pop() ?? v.baseModel;
  const run = v.runDir?.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
  return run ? `${model} on ${run}` : model;
}

/** The notification for an ended job, or undefined when there is nothing to tell (a stop the user asked for). */
export function trainingEndedNotice(e: TrainingJobEnded): TrainingEndedNotice | undefined {
  const { job } = e;
  const name = trainingName(job);
  const when = e.whileClosed ? ' while the window was closed' : '';
  const where = job.backend === 'ray' ? ' on the Ray cluster' : '';
  switch (job.status) {
    case 'SUCCESS':
      return {
        severity: 'info',
        message: e.stopRequested
          ? notice`The stop came too late: training ${name} had already finished${where}${when}, and its adapter is ready to evaluate.`
          : notice`Training ${name} finished${where}${when}: its adapter is ready to evaluate.`,
        actions: ['Evaluate This Model', 'Open Details'],
      };
    case 'CANCELLED':
      if (e.stopRequested) return undefined;
      return { severity: 'info', message: notice`Training ${name} was stopped${where}${when}${job.resumable ? '; Resume Training continues it from its last checkpoint' : ''}.`, actions: ['Open Details'] };
    default:
      return { severity: 'error', message: notice`Training ${name} failed${where}${when}: ${job.message ?? 'see its log'}`, actions: ['Show Log', 'Open Details'] };
  }
}
