// Context keys that tell the Command Palette whether a job command has anything to act on: Start Job only
// when some job waits to be started, Cancel Job only when one can be cancelled, Copy Model ID only when a
// job has produced a model (package.json, menus.commandPalette). The same rules as the tree rows' menus.
import { canCancel, canStart } from './jobStatusView';

export const JOB_CONTEXT_KEYS = {
  startable: 'pixtune.hasStartableJob',
  cancellable: 'pixtune.hasCancellableJob',
  withModel: 'pixtune.hasJobWithModel',
} as const;

export function jobContextKeys(jobs: readonly { status: string; fine_tuned_model?: string | null }[]): Record<string, boolean> {
  return {
    [JOB_CONTEXT_KEYS.startable]: jobs.some((j) => canStart(j.status)),
    [JOB_CONTEXT_KEYS.cancellable]: jobs.some((j) => canCancel(j.status)),
    [JOB_CONTEXT_KEYS.withModel]: jobs.some((j) => !!j.fine_tuned_model),
  };
}
