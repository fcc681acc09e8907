// The sandbox's fine-tuning jobs, in the legacy wire format. A job moves through the real status
// sequence (QUEUED → VALIDATING → VALIDATED → [waits for /start] → RUNNING → SUCCESS), reads and
// validates its training files, reports cost/tokens/duration once validated, writes checkpoints
// (newest first) with falling loss, and on success registers a fine-tuned model that has really
// learnt the training images (a nearest-centroid classifier; see visionModel.ts). How long it runs and
// what its checkpoints say come from trainingCurve.ts (they depend on the data and the step count).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { TrainedModel } from './chatCompletion';
import type { FileStore } from './fileStore';
import { fineTunedModelId, resolveBaseModel, type FineTunedModel } from './modelCatalog';
import { scanTrainingFile } from './trainingData';
import { fitNearestCentroid, predictNearestCentroid } from './visionModel';
import { planRun, trainingCurve } from './trainingCurve';
import { detailError, forbidExtraKeys, isRecord, nowSeconds, validationError } from './wire';
import { pause } from './pause';

const JOB_KEYS = [
  'model', 'training_files', 'validation_files', 'hyperparameters', 'suffix', 'integrations', 'auto_start',
  'invalid_sample_skip_percentage', 'job_type', 'repositories', 'classifier_targets',
] as const;
const ACTIVE = ['QUEUED', 'VALIDATING', 'VALIDATED', 'RUNNING', 'STARTED', 'CANCELLATION_REQUESTED'];
const TOKENS_PER_STEP = 131_072;
const USD_PER_MILLION_TOKENS = 2;
const MIN_JOB_COST_USD = 4; // the deprecated docs' minimum fee per job

interface Job {
  wire: Record<string, unknown> & {
    id: string;
    status: string;
    events: { name: string; data: Record<string, unknown>; created_at: number }[];
    checkpoints: Record<string, unknown>[];
    hyperparameters: Record<string, number | null>;
  };
  abort: AbortController;
  started: () => void;
  startRequested: Promise<void>;
}

export interface JobTimings {
  /** 1 = a user can watch it (6–30 s of running, a checkpoint every few seconds); 10 = ten times faster. */
  speed: number;
}


export class FineTuningJobStore {
  private readonly jobs = new Map<string, Job>();
  readonly trained = new Map<string, TrainedModel>();
  readonly fineTunedModels: FineTunedModel[] = [];
  private readonly workspace = randomBytes(4).toString('hex');

  constructor(private readonly files: FileStore, private readonly timings: JobTimings, private readonly closing: AbortSignal) {}

  private ms(seconds: number): number {
    return Math.max(1, Math.round((seconds * 1000) / this.timings.speed));
  }

  create(body: unknown, dryRun: boolean): Record<string, unknown> {
    if (!isRecord(body)) throw validationError([{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }]);
    forbidExtraKeys(body, JOB_KEYS);
    const issues: { loc: (string | number)[]; msg: string; type?: string; input?: unknown }[] = [];
    if (typeof body.model !== 'string') issues.push({ loc: ['body', 'model'], msg: 'Field required', type: 'missing' });
    if (!isRecord(body.hyperparameters)) issues.push({ loc: ['body', 'hyperparameters'], msg: 'Field required', type: 'missing' });
    const hp = isRecord(body.hyperparameters) ? body.hyperparameters : {};
    const lr = hp.learning_rate ?? 1e-4;
    if (typeof lr !== 'number' || lr < 1e-8 || lr > 1) issues.push({ loc: ['body', 'hyperparameters', 'learning_rate'], msg: 'Input should be between 1e-08 and 1', input: lr });
    if (hp.epochs != null && !(typeof hp.epochs === 'number' && hp.epochs > 0)) issues.push({ loc: ['body', 'hyperparameters', 'epochs'], msg: 'Input should be greater than 0', input: hp.epochs });
    if (hp.training_steps != null && !(Number.isInteger(hp.training_steps) && (hp.training_steps as number) >= 1)) {
      issues.push({ loc: ['body', 'hyperparameters', 'training_steps'], msg: 'Input should be greater than or equal to 1', input: hp.training_steps });
    }
    if (body.suffix != null && (typeof body.suffix !== 'string' || body.suffix.length > 18)) {
      issues.push({ loc: ['body', 'suffix'], msg: 'String should have at most 18 characters', type: 'string_too_long', input: body.suffix });
    }
    // The documented form is [{file_id, weight}]; the deprecated guide's curl sent bare ids.
    const training = Array.isArray(body.training_files) ? body.training_files.map((t) => (typeof t === 'string' ? t : isRecord(t) ? t.file_id : undefined)) : [];
    if (training.length === 0) issues.push({ loc: ['body', 'training_files'], msg: 'At least one training file is required', type: 'too_short' });
    const validation = Array.isArray(body.validation_files) ? body.validation_files : [];
    [...training, ...validation].forEach((id, i) => {
      const f = typeof id === 'string' ? this.files.get(id) : undefined;
      const where = i < training.length ? ['body', 'training_files', i] : ['body', 'validation_files', i - training.length];
      if (!f) issues.push({ loc: where, msg: `File ${String(id)} not found`, input: id });
      else if (f.purpose !== 'fine-tune') issues.push({ loc: where, msg: `File ${f.id} was uploaded with purpose "${f.purpose}", not "fine-tune"`, input: id });
    });
    if (issues.length) throw validationError(issues);
    const base = resolveBaseModel(body.model as string);
    if (!base?.fineTuning) throw detailError(422, 'Model not available for this type of fine-tuning (completion).');
    const trainingIds = training as string[];
    const duplicate = [...this.jobs.values()].find(
      (j) => ACTIVE.includes(j.wire.status) && j.wire.model === body.model && JSON.stringify(j.wire.training_files) === JSON.stringify(trainingIds),
    );
    if (duplicate && !dryRun) throw detailError(409, `A similar job (${duplicate.wire.id}) is already queued, validated or running.`);

    const now = nowSeconds();
    const id = randomUUID();
    const hyperparameters = {
      training_steps: (hp.training_steps as number | undefined) ?? null,
      learning_rate: lr as number,
      weight_decay: (hp.weight_decay as number | undefined) ?? 0.1,
      warmup_fraction: (hp.warmup_fraction as number | undefined) ?? 0.05,
      epochs: (hp.epochs as number | undefined) ?? null,
      seq_len: (hp.seq_len as number | undefined) ?? 32768,
      fim_ratio: null,
    };
    if (dryRun) {
      // The legacy estimate needs the data: give the caller the documented shape with nulls
      // (the real service stopped honouring dry_run in 2024; auto_start=false is the way).
      return { object: 'job.metadata', details: 'Create the job with auto_start=false to get cost and duration after validation.', deprecated: true, expected_duration_seconds: null, cost: null, cost_currency: null, train_tokens_per_step: null, train_tokens: null, data_tokens: null, estimated_start_time: null, epochs: hyperparameters.epochs, training_steps: hyperparameters.training_steps };
    }
    let started!: () => void;
    const startRequested = new Promise<void>((resolve) => (started = resolve));
    const job: Job = {
      wire: {
        id,
        object: 'job',
        job_type: 'completion',
        auto_start: body.auto_start === true,
        model: body.model as string,
        status: 'QUEUED',
        created_at: now,
        modified_at: now,
        training_files: trainingIds,
        validation_files: validation as string[],
        fine_tuned_model: null,
        suffix: (body.suffix as string | undefined) ?? null,
        integrations: [],
        trained_tokens: null,
        hyperparameters,
        metadata: { expected_duration_seconds: null, cost: null, cost_currency: null, train_tokens_per_step: null, train_tokens: null, data_tokens: null, estimated_start_time: null },
        repositories: [],
        events: [{ name: 'status-updated', data: { status: 'QUEUED' }, created_at: now }],
        checkpoints: [],
      },
      abort: new AbortController(),
      started,
      startRequested,
    };
    if (job.wire.auto_start) started();
    this.jobs.set(id, job);
    void this.run(job).catch((err) => {
      // Cancellation and shutdown abort the run on purpose; anything else is a failed job.
      if (!job.abort.signal.aborted && !this.closing.aborted) this.setStatus(job, 'FAILED', { error: `Training failed: ${(err as Error).message}` });
    });
    return this.summary(job);
  }

  private setStatus(job: Job, status: string, extra: Record<string, unknown> = {}): void {
    const now = nowSeconds();
    job.wire.status = status;
    job.wire.modified_at = now;
    job.wire.events.push({ name: 'status-updated', data: { status, ...extra }, created_at: now });
  }

  private async run(job: Job): Promise<void> {
    const signal = AbortSignal.any([job.abort.signal, this.closing]);
    const w = job.wire;
    await pause(this.ms(1), signal);
    this.setStatus(job, 'VALIDATING');
    const scans = [];
    for (const id of w.training_files as string[]) {
      const f = this.files.get(id);
      const scan = f ? await scanTrainingFile(f.path, { signal }) : undefined;
      if (!f || !scan) return this.setStatus(job, 'FAILED_VALIDATION', { error: `Training file ${id} no longer exists.` });
      if (scan.errors.length) {
        return this.setStatus(job, 'FAILED_VALIDATION', { error: `The training file ${f.filename} is invalid: ${scan.errors.join(' ')}` });
      }
      scans.push(scan);
    }
    for (const id of (w.validation_files as string[]) ?? []) {
      const f = this.files.get(id);
      const scan = f ? await scanTrainingFile(f.path, { signal, withFeatures: false }) : undefined;
      if (!f || !scan || scan.errors.length) {
        return this.setStatus(job, 'FAILED_VALIDATION', { error: `The validation file ${f?.filename ?? id} is invalid: ${scan?.errors.join(' ') ?? 'missing'}` });
      }
    }
    const examples = scans.flatMap((s) => s.examples);
    if (new Set(examples.map((e) => e.label)).size < 2) {
      return this.setStatus(job, 'FAILED_VALIDATION', { error: 'The training data needs images of at least two different labels.' });
    }
    const dataTokens = scans.reduce((s, x) => s + x.dataTokens, 0);
    const hp = w.hyperparameters;
    const steps = hp.training_steps ?? Math.max(1, Math.ceil(((hp.epochs ?? 1) * dataTokens) / TOKENS_PER_STEP));
    hp.training_steps = steps;
    hp.epochs ??= Number(((steps * TOKENS_PER_STEP) / dataTokens).toFixed(4));
    const trainTokens = steps * TOKENS_PER_STEP;
    const plan = planRun(steps, this.timings.speed);
    w.metadata = {
      // What this sandbox will really take once started (the real service states its own estimate).
      expected_duration_seconds: Math.max(1, Math.round(plan.runSeconds)),
      cost: Number(Math.max(MIN_JOB_COST_USD, (trainTokens * USD_PER_MILLION_TOKENS) / 1e6).toFixed(2)),
      cost_currency: 'USD',
      train_tokens_per_step: TOKENS_PER_STEP,
      train_tokens: trainTokens,
      data_tokens: dataTokens,
      estimated_start_time: null,
    };
    await pause(this.ms(1.5), signal);
    this.setStatus(job, 'VALIDATED');
    await Promise.race([job.startRequested, pause(24 * 3600 * 1000, signal)]);
    this.setStatus(job, 'RUNNING');
    const model = fitNearestCentroid(examples);
    const right = examples.filter((e) => predictNearestCentroid(model, e.features) === e.label).length;
    const metrics = trainingCurve(
      {
        dataKey: createHash('sha256').update(examples.map((e) => `${e.label}:${e.features.map((f) => f.toFixed(4)).join(',')}`).join('|')).digest('hex'),
        classes: model.labels.length,
        trainAccuracy: right / examples.length,
        steps,
        epochsPerStep: TOKENS_PER_STEP / Math.max(1, dataTokens),
        learningRate: hp.learning_rate ?? 1e-4,
        hasValidation: ((w.validation_files as string[]) ?? []).length > 0,
      },
      plan.checkpointSteps,
    );
    const pausePerCheckpoint = (plan.runSeconds * 1000) / plan.checkpointSteps.length;
    for (const [k, step] of plan.checkpointSteps.entries()) {
      await pause(Math.max(1, Math.round(pausePerCheckpoint)), signal);
      w.checkpoints.unshift({ metrics: metrics[k]!, step_number: step, created_at: nowSeconds() });
      w.modified_at = nowSeconds();
    }
    const ftId = fineTunedModelId(w.model as string, (w.suffix as string | null) ?? this.workspace, w.id);
    this.trained.set(ftId, { id: ftId, root: w.model as string, model, fenced: scans.some((s) => s.fenced), descriptions: Object.assign({}, ...scans.map((s) => s.descriptions)) });
    this.fineTunedModels.push({ id: ftId, root: w.model as string, jobId: w.id, created: nowSeconds() });
    w.fine_tuned_model = ftId;
    w.trained_tokens = trainTokens;
    this.setStatus(job, 'SUCCESS');
  }

  /** The list/create form: no events or checkpoints. */
  private summary(job: Job): Record<string, unknown> {
    const { events: _e, checkpoints: _c, ...rest } = job.wire;
    return structuredClone(rest);
  }

  private require(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw detailError(404, 'No fine tuning job matches the given query.');
    return job;
  }

  get(id: string): Record<string, unknown> {
    return structuredClone(this.require(id).wire);
  }

  start(id: string): Record<string, unknown> {
    const job = this.require(id);
    if (job.wire.status !== 'VALIDATED' || job.wire.auto_start) {
      throw detailError(400, `Job ${id} cannot be started: its status is ${job.wire.status}, and only a VALIDATED job created with auto_start=false can be started.`);
    }
    job.wire.auto_start = true;
    job.started();
    return this.get(id);
  }

  cancel(id: string): Record<string, unknown> {
    const job = this.require(id);
    if (!ACTIVE.includes(job.wire.status) || job.wire.status === 'CANCELLATION_REQUESTED') return this.get(id);
    this.setStatus(job, 'CANCELLATION_REQUESTED');
    job.abort.abort();
    const answer = this.get(id);
    // The real service confirms cancellation shortly after the request.
    setTimeout(() => this.setStatus(job, 'CANCELLED'), this.ms(0.5)).unref();
    return answer;
  }

  list(q: URLSearchParams): Record<string, unknown> {
    let jobs = [...this.jobs.values()].map((j) => j.wire).reverse();
    const model = q.get('model');
    const status = q.get('status');
    const suffix = q.get('suffix');
    const after = q.get('created_after');
    const before = q.get('created_before');
    if (model) jobs = jobs.filter((j) => j.model === model);
    if (status) jobs = jobs.filter((j) => j.status === status);
    if (suffix) jobs = jobs.filter((j) => j.suffix === suffix);
    if (after) jobs = jobs.filter((j) => (j.created_at as number) > Date.parse(after) / 1000);
    if (before) jobs = jobs.filter((j) => (j.created_at as number) < Date.parse(before) / 1000);
    const page = Math.max(0, Number(q.get('page') ?? 0) || 0);
    const size = Math.max(1, Number(q.get('page_size') ?? 100) || 100);
    const data = jobs.slice(page * size, (page + 1) * size).map((w) => this.summary(this.jobs.get(w.id)!));
    return { object: 'list', data, total: jobs.length };
  }
}
