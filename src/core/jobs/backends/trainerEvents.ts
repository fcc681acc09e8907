// The trainer's stdout: one JSON object per line with an "event" field (src/trainer/CONTRACT.md):
// started, step, checkpoint, evaluated, finished, error. On Ray the job log is all we can read from
// afar, so this is how a Ray job's metrics, progress and adapter location are known. Lines that are
// not such objects (Ray's own log lines, warnings on stderr merged into the log) are ignored: nothing
// is parsed by guesswork.
import { z } from 'zod';
import { trainerMetricSchema, type TrainerMetric } from './trainingBackend';

const eventSchema = z.looseObject({ event: z.string() });
/** Ray colours that prefix (a terminal escape, "\x1b[36m…\x1b[0m") unless RAY_COLOR_PREFIX=0. */
// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;
/** Ray's prefix of a worker's output line in a job's log: "(Name pid=N[, ip=A]) ". */
const RAY_WORKER_PREFIX = /^\([^()]*\bpid=\d+[^()]*\)\s+/;

export interface TrainerProgress {
  metrics: TrainerMetric[];
  totalSteps?: number;
  lastStep?: number;
  checkpoints: string[];
  adapterDir?: string;
  error?: string;
  finished: boolean;
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const optionalInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

export function readTrainerEvents(log: string): TrainerProgress {
  const byStep = new Map<number, TrainerMetric>();
  const out: TrainerProgress = { metrics: [], checkpoints: [], finished: false };
  for (const raw of log.split('\n')) {
    // Under Ray Train the events come from the rank-0 worker, and Ray prefixes a worker's output lines with
    // "(RayTrainWorker pid=123, ip=10.0.0.2) " in the job log: that prefix is Ray's, the JSON after it is ours.
    const line = raw.replace(ANSI_COLOUR, '').trim().replace(RAY_WORKER_PREFIX, '');
    if (!line.startsWith('{') || !line.includes('"event"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const ev = eventSchema.safeParse(value);
    if (!ev.success) continue;
    const e = ev.data as Record<string, unknown>;
    switch (ev.data.event) {
      case 'started':
        out.totalSteps = optionalInt(e.total_steps) ?? out.totalSteps;
        break;
      case 'step':
      case 'evaluated': {
        const m = trainerMetricSchema.safeParse(e);
        if (m.success) {
          // An evaluation adds validation fields to the step it ran at.
          const { event: _drop, ...fields } = m.data as TrainerMetric & { event?: string };
          void _drop;
          byStep.set(m.data.step, { ...byStep.get(m.data.step), ...fields });
          out.lastStep = Math.max(out.lastStep ?? 0, m.data.step);
        }
        out.totalSteps = optionalInt(e.total_steps) ?? out.totalSteps;
        break;
      }
      case 'checkpoint': {
        const p = optionalString(e.path) ?? optionalString(e.checkpoint_dir);
        if (p) out.checkpoints.push(p);
        break;
      }
      case 'finished':
        out.finished = true;
        out.adapterDir = optionalString(e.adapter_dir) ?? out.adapterDir;
        break;
      case 'error':
        out.error = optionalString(e.message) ?? optionalString(e.error) ?? out.error;
        break;
    }
  }
  out.metrics = [...byStep.values()].sort((a, b) => a.step - b.step);
  return out;
}
