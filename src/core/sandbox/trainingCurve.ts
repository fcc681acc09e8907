// The sandbox's simulated training: how long a job runs and the metrics its checkpoints report. The
// curves depend on the job's data and length, deterministically: the loss starts near what guessing among
// the classes costs, falls with the passes over the data (epochs, from the step count), and levels off at
// a floor set by how well the sandbox's vision model separates the training images, then keeps creeping
// down as the model memorises the set. Long training on a small set overfits: validation loss turns up
// while training loss keeps falling. Validation metrics exist
// only when the job has a validation file (the service reports none otherwise; zeros would be plotted).
import { createHash } from 'node:crypto';

/** Seconds of simulated running per step at speed 1, and the bounds of a whole run (so a user sees it run). */
const SECONDS_PER_STEP = 1.5;
const MIN_RUN_SECONDS = 6;
const MAX_RUN_SECONDS = 30;
/** Checkpoints reported for a run (at most one per step). */
const MAX_CHECKPOINTS = 10;
/** Epochs after which a model starts to memorise a set rather than learn it. */
const OVERFIT_AFTER_EPOCHS = 4;

export interface RunPlan {
  /** Wall-clock seconds of the RUNNING phase at the sandbox's speed. */
  runSeconds: number;
  /** Step numbers at which a checkpoint is written, ascending; the last is `steps`. */
  checkpointSteps: number[];
}

export function planRun(steps: number, speed: number): RunPlan {
  const atSpeedOne = Math.min(MAX_RUN_SECONDS, Math.max(MIN_RUN_SECONDS, steps * SECONDS_PER_STEP));
  const count = Math.min(steps, MAX_CHECKPOINTS);
  const checkpointSteps = Array.from({ length: count }, (_, i) => Math.round(((i + 1) * steps) / count));
  return { runSeconds: atSpeedOne / speed, checkpointSteps };
}

export interface CurveInput {
  /** Identifies the data (e.g. a hash of the training examples): same data, same curve. */
  dataKey: string;
  classes: number;
  /** Share of training images the fitted model classifies right (0..1). */
  trainAccuracy: number;
  steps: number;
  /** Passes over the data one step makes (tokens per step / data tokens). */
  epochsPerStep: number;
  learningRate: number;
  hasValidation: boolean;
}

export interface CheckpointMetrics {
  train_loss: number;
  valid_loss: number | null;
  valid_mean_token_accuracy: number | null;
}

/** A small deterministic generator (mulberry32) seeded from the data key, for per-data wobble. */
function seededRandom(key: string): () => number {
  let a = createHash('sha256').update(key).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Metrics at each of `atSteps` (ascending). Training loss falls strictly from one checkpoint to the next. */
export function trainingCurve(input: CurveInput, atSteps: readonly number[]): CheckpointMetrics[] {
  const random = seededRandom(`${input.dataKey}|${input.steps}|${input.learningRate}`);
  const start = 0.9 * Math.log(Math.max(2, input.classes)) + 0.6 + 0.2 * random();
  const floor = 0.03 + 0.6 * (1 - Math.min(1, Math.max(0, input.trainAccuracy))) + 0.02 * random();
  // A larger learning rate learns faster (within reason); 1e-4 is the usual value.
  const rate = 1.4 * Math.min(3, Math.max(0.3, (input.learningRate / 1e-4) ** 0.3));
  const validGap = 0.04 + 0.05 * random();
  const out: CheckpointMetrics[] = [];
  let previous = Infinity;
  for (const step of atSteps) {
    const epochs = step * input.epochsPerStep;
    const wobble = 1 + 0.12 * (random() - 0.5);
    // Past the floor the model goes on memorising the training set: its loss keeps creeping down.
    let train = floor / (1 + 0.1 * epochs) + (start - floor) * Math.exp(-rate * epochs) * wobble;
    if (train > previous - 2e-5) train = Math.max(1e-4, previous - 2e-5);
    previous = train;
    let valid: number | null = null;
    let accuracy: number | null = null;
    if (input.hasValidation) {
      // Rises after a few epochs and levels off (a memorised set is not forgotten further).
      const overfit = 0.6 * (1 - Math.exp(-Math.max(0, epochs - OVERFIT_AFTER_EPOCHS) / 30));
      valid = train * 1.08 + validGap + overfit;
      accuracy = round(Math.exp(-valid), 4);
      valid = round(valid, 5);
    }
    out.push({ train_loss: round(train, 5), valid_loss: valid, valid_mean_token_accuracy: accuracy });
  }
  return out;
}
