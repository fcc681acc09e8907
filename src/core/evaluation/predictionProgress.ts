// Progress of a prediction run as the UI and the CLI show it: done/total, errors, rate and ETA.

export interface PredictionProgress {
  /** Images answered (or failed for good) so far, earlier sessions included. */
  done: number;
  total: number;
  /** Lines of this session whose request failed. */
  errors: number;
  /** Answers per second in this session. */
  ratePerSec: number;
  /** Seconds left at that rate (undefined until there is a rate). */
  etaSec: number | undefined;
}

export interface PredictionControl {
  signal?: AbortSignal;
  onProgress?: (p: PredictionProgress) => void;
}

export function progressTracker(total: number, doneBefore: number, onProgress?: PredictionControl['onProgress']) {
  const started = performance.now();
  let doneNow = 0;
  let errors = 0;
  const emit = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? doneNow / seconds : 0;
    const left = total - doneBefore - doneNow;
    onProgress?.({ done: doneBefore + doneNow, total, errors, ratePerSec: rate, etaSec: rate > 0 ? left / rate : undefined });
  };
  return {
    emit,
    answered(failed: boolean) {
      doneNow++;
      if (failed) errors++;
      emit();
    },
    set(done: number, failed: number) {
      doneNow = done;
      errors = failed;
      emit();
    },
  };
}
