// Wire-shaped jobs for the tests, built from the zod schema so a fixture that drifts from the wire
// format fails loudly.
import { fineTuningJobSchema, type FineTuningJob } from '../../../src/core/mistral/wireSchemas';

export const T0 = 1_764_000_000; // a fixed UNIX time (seconds)

export function wireJob(over: Partial<Record<string, unknown>> = {}): FineTuningJob {
  return fineTuningJobSchema.parse({
    id: 'ftjob-1',
    object: 'job',
    job_type: 'completion',
    auto_start: false,
    model: 'pixtral-12b-latest',
    status: 'QUEUED',
    created_at: T0,
    modified_at: T0,
    training_files: ['file-train'],
    validation_files: [],
    fine_tuned_model: null,
    suffix: null,
    trained_tokens: null,
    hyperparameters: { learning_rate: 1e-4, epochs: 2, training_steps: 69 },
    metadata: null,
    ...over,
  });
}
