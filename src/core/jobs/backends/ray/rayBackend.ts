// Training on a Ray cluster through its Jobs REST API: the run's files and the trainer go up as one
// content-addressed working_dir package, the job runs `python -m pixtune_trainer train` as its entrypoint
// (more than one worker: the trainer starts Ray Train itself), and everything Pixtune shows is read back
// from Ray — the job's status and the trainer's JSON-line events in its log. Jobs carry their Pixtune
// facts in Ray's job metadata, so a list from any machine finds them and a resume needs nothing local.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { UserError } from '../../../errors';
import { findRunFiles, runDisplayName } from '../../runFolderFiles';
import { readTrainerEvents } from '../trainerEvents';
import { shownHyperparameters, trainerConfig, type TrainerConfig } from '../trainerConfig';
import { predictConfig, predictTestFiles, type TrainerPredictRequest } from '../trainerPredict';
import { logTail, type LaunchRequest, type TrainingArtefacts, type TrainingBackend, type TrainingJobView, type TrainingStatus } from '../trainingBackend';
import { oneGpuWhenPresent, trainingEntrypointResources } from './entrypointResources';
import { RayError, RayJobsClient, type RayJobDetails } from './rayJobsClient';
import { RayLogFollowers } from './rayLogFollower';
import { buildWorkingDirPackage, trainerEntries, type PackageEntry } from './workingDirPackage';

export interface RayBackendOptions {
  client: RayJobsClient;
  /** The folder that holds pixtune_trainer/ (shipped with the extension, or src/trainer in a checkout). */
  trainerRoot: string;
  /** Where jobs write on the cluster; each training gets a folder below it. Shared storage makes artefacts reachable from every node. */
  storagePath?: string;
  /** The cluster's Python (with torch, transformers, peft, mistral-common); "python" on most Ray images. */
  python?: string;
  /** Seconds Ray waits after SIGTERM before SIGKILL: the trainer writes a checkpoint in between. */
  stopGraceSeconds?: number;
  onStage?: (stage: 'package' | 'upload' | 'submit', detail?: string) => void;
  /** Where a log stream that cannot be followed is reported (the backend then reads logs whole). */
  log?: { warn(message: string): void };
}

export const DEFAULT_RAY_STORAGE_PATH = '/tmp/pixtune-jobs';
/** Ended jobs whose logs are kept in memory (a resumed training's chain, the jobs in view). */
const ENDED_LOGS_KEPT = 32;

/** Stands for the job's working_dir in a config; the entrypoint puts the real path in ($PWD, where Ray unpacked it). */
const WORKDIR = '@PIXTUNE_WORKDIR@';
/** Shell: the config from the environment variable `env`, with WORKDIR resolved, into `file`. Ray's paths hold no '|'. */
const writeConfig = (env: string, file: string) => `printf '%s' "$${env}" | sed "s|${WORKDIR}|$PWD|g" > "${file}"`;

const META = {
  marker: 'pixtune',
  trainingId: 'pixtune_training_id',
  runDir: 'pixtune_run_dir',
  runName: 'pixtune_run',
  baseModel: 'pixtune_base_model',
  outputDir: 'pixtune_output_dir',
  config: 'pixtune_config',
  resumeOf: 'pixtune_resume_of',
} as const;

export function rayStatus(s: RayJobDetails['status']): TrainingStatus {
  switch (s) {
    case 'PENDING':
      return 'QUEUED';
    case 'RUNNING':
      return 'RUNNING';
    case 'SUCCEEDED':
      return 'SUCCESS';
    case 'FAILED':
      return 'FAILED';
    case 'STOPPED':
      return 'CANCELLED';
  }
}

/** Submission ids become job ids in the UI and folder names on the cluster: keep them plain. */
function trainingIdFor(runDir: string): string {
  const slug = basename(runDir).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'run';
  return `pixtune-${slug}-${randomBytes(4).toString('hex')}`;
}

export class RayTrainingBackend implements TrainingBackend {
  readonly kind = 'ray' as const;
  private readonly client: RayJobsClient;
  private readonly endedLogs = new Map<string, { log: string; resumeOf?: string }>();
  private readonly followers: RayLogFollowers;
  private readonly lastStatus = new Map<string, RayJobDetails['status']>();

  constructor(private readonly opts: RayBackendOptions) {
    this.client = opts.client;
    this.followers = new RayLogFollowers(opts.log ? (m) => opts.log!.warn(m) : undefined);
  }

  /**
   * A view wants a running job's changes at once: its log is streamed (rayLogFollower.ts), onChange fires as lines
   * arrive, and get() reads the streamed text instead of downloading the whole log again. Ended jobs need no stream.
   */
  watch(id: string, onChange: () => void): { dispose(): void } {
    const s = this.lastStatus.get(id);
    if (s && s !== 'PENDING' && s !== 'RUNNING') return { dispose: () => undefined };
    return this.followers.follow(id, () => this.client.logTailTarget(id), onChange);
  }

  /** Closes the log streams (a backend replaced by a new address, the extension going away). */
  dispose(): void {
    this.followers.dispose();
  }

  get address(): string {
    return this.client.address;
  }

  async launch(req: LaunchRequest, signal?: AbortSignal): Promise<TrainingJobView> {
    const trainingId = trainingIdFor(req.runDir);
    const outputDir = `${(this.opts.storagePath ?? DEFAULT_RAY_STORAGE_PATH).replace(/\/+$/, '')}/${trainingId}`;
    return this.submitTraining({ runDir: req.runDir, baseModel: req.baseModel, trainingId, submissionId: trainingId, outputDir, makeConfig: (files) => trainerConfig({ ...files, baseModel: req.baseModel, outputDir, hyperparameters: req.hyperparameters }) }, signal);
  }

  /** A stopped (or failed) training continues from its newest checkpoint as a new Ray job writing to the same folder. */
  async resume(id: string, signal?: AbortSignal): Promise<TrainingJobView> {
    const old = await this.client.get(id, signal);
    const meta = old.metadata ?? {};
    if (meta[META.marker] !== '1' || !meta[META.config] || !meta[META.runDir]) throw new UserError(`Ray job ${id} was not launched by Pixtune, so it cannot be resumed here.`);
    if (old.status === 'PENDING' || old.status === 'RUNNING') throw new UserError(`Ray job ${id} is still ${old.status.toLowerCase()}.`, 'Stop it first, or wait for it to end.');
    if (old.status === 'SUCCEEDED') throw new UserError(`Ray job ${id} has already finished training.`);
    const config = JSON.parse(meta[META.config]) as TrainerConfig;
    const trainingId = meta[META.trainingId] ?? id;
    const submissionId = `${trainingId}-r${randomBytes(3).toString('hex')}`;
    return this.submitTraining(
      { runDir: meta[META.runDir], baseModel: config.base_model, trainingId, submissionId, outputDir: config.output_dir, resumeOf: id, makeConfig: () => ({ ...config, resume: true }) },
      signal,
    );
  }

  private async submitTraining(
    t: { runDir: string; baseModel: string; trainingId: string; submissionId: string; outputDir: string; resumeOf?: string; makeConfig: (files: { training: string[]; validation: string[] }) => TrainerConfig },
    signal?: AbortSignal,
  ): Promise<TrainingJobView> {
    const files = await findRunFiles(t.runDir);
    const dataName = (p: string, i: number, role: string) => `data/${role}-${i}-${basename(p)}`;
    const trainingNames = files.training.map((p, i) => dataName(p, i, 'train'));
    const validationNames = files.validation.map((p, i) => dataName(p, i, 'validation'));
    const entries: PackageEntry[] = [
      ...(await trainerEntries(this.opts.trainerRoot)),
      ...files.training.map((p, i) => ({ source: p, name: trainingNames[i]! })),
      ...files.validation.map((p, i) => ({ source: p, name: validationNames[i]! })),
    ];
    // Absolute paths in the job's own working_dir: Ray Train runs its workers in another directory.
    const training = trainingNames.map((n) => `${WORKDIR}/${n}`);
    const validation = validationNames.map((n) => `${WORKDIR}/${n}`);
    this.opts.onStage?.('package');
    const pkg = await buildWorkingDirPackage(entries, signal);
    try {
      if (!(await this.client.packageExists(pkg.uri, signal))) {
        this.opts.onStage?.('upload', `${Math.round(pkg.bytes / 1024)} KB`);
        await this.client.uploadPackage(pkg.uri, pkg.zipPath, signal);
      }
    } finally {
      await pkg.dispose();
    }
    const config = t.makeConfig({ training, validation });
    const configJson = JSON.stringify(config);
    const python = this.opts.python ?? 'python';
    // The config travels in the environment and is written into the job's own output folder (the working_dir
    // is shared by every job of the same package). exec: Ray's SIGTERM on stop reaches the trainer itself.
    const entrypoint = `mkdir -p "$PIXTUNE_OUTPUT_DIR" && ${writeConfig('PIXTUNE_TRAIN_CONFIG', '$PIXTUNE_OUTPUT_DIR/config.json')} && exec ${python} -m pixtune_trainer train --config "$PIXTUNE_OUTPUT_DIR/config.json"`;
    this.opts.onStage?.('submit');
    const id = await this.client.submit(
      {
        entrypoint,
        submission_id: t.submissionId,
        ...trainingEntrypointResources(config),
        runtime_env: {
          working_dir: pkg.uri,
          // RAY_DEDUP_LOGS=0: Ray would fold repeated worker lines into one "[repeated Nx]" line.
          env_vars: { PIXTUNE_OUTPUT_DIR: t.outputDir, PIXTUNE_TRAIN_CONFIG: configJson, RAY_JOB_STOP_WAIT_TIME_S: String(this.opts.stopGraceSeconds ?? 120), PYTHONUNBUFFERED: '1', RAY_DEDUP_LOGS: '0' },
        },
        metadata: {
          [META.marker]: '1',
          [META.trainingId]: t.trainingId,
          [META.runDir]: t.runDir,
          [META.runName]: runDisplayName(t.runDir),
          [META.baseModel]: t.baseModel,
          [META.outputDir]: t.outputDir,
          [META.config]: configJson,
          ...(t.resumeOf ? { [META.resumeOf]: t.resumeOf } : {}),
        },
      },
      signal,
    );
    return this.get(id, signal);
  }

  async get(id: string, signal?: AbortSignal): Promise<TrainingJobView> {
    const details = await this.client.get(id, signal);
    let log = await this.jobLog(id, details, signal);
    // A resumed training shows the whole curve: the earlier jobs' steps first (a later job's step wins).
    const before = details.metadata?.[META.resumeOf];
    if (before) log = (await this.earlierLogs(before, signal)) + '\n' + log;
    return this.view(details, log);
  }

  /**
   * A job's log. Ray's REST API only hands out the whole log: a running job that a view follows is read from its
   * stream (watch), any other running job whole at each poll; an ended job's log no longer changes and is read whole
   * once and kept (a few, by id), so polls and a resumed job's earlier attempts do not download it again.
   */
  private async jobLog(id: string, details: RayJobDetails, signal?: AbortSignal): Promise<string> {
    this.lastStatus.set(id, details.status);
    const kept = this.endedLogs.get(id);
    if (kept) return kept.log;
    const ended = details.status === 'SUCCEEDED' || details.status === 'FAILED' || details.status === 'STOPPED';
    const streamed = ended ? undefined : this.followers.text(id);
    if (streamed !== undefined) return streamed;
    const log = await this.client.logs(id, signal);
    if (ended) {
      this.endedLogs.set(id, { log, resumeOf: details.metadata?.[META.resumeOf] });
      if (this.endedLogs.size > ENDED_LOGS_KEPT) this.endedLogs.delete(this.endedLogs.keys().next().value!);
    }
    return log;
  }

  private async earlierLogs(id: string, signal?: AbortSignal, depth = 0): Promise<string> {
    if (depth > 20) return '';
    try {
      let kept = this.endedLogs.get(id);
      if (!kept) {
        const d = await this.client.get(id, signal);
        kept = { log: await this.jobLog(id, d, signal), resumeOf: d.metadata?.[META.resumeOf] };
      }
      const { log: own, resumeOf: prev } = kept;
      return (prev ? (await this.earlierLogs(prev, signal, depth + 1)) + '\n' : '') + own;
    } catch (err) {
      // A deleted predecessor only shortens the curve.
      if (err instanceof RayError && err.kind === 'not-found') return '';
      throw err;
    }
  }

  /** Pixtune's jobs on the cluster, newest first; without log-derived metrics (get() reads those). */
  async list(signal?: AbortSignal): Promise<TrainingJobView[]> {
    const all = await this.client.list(signal);
    return all
      .filter((j) => j.metadata?.[META.marker] === '1')
      .map((j) => this.view(j, undefined))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  async stop(id: string, signal?: AbortSignal): Promise<TrainingJobView> {
    await this.client.stop(id, signal);
    return this.get(id, signal);
  }

  logs(id: string, signal?: AbortSignal): Promise<string> {
    return this.client.logs(id, signal);
  }

  async artefacts(id: string, signal?: AbortSignal): Promise<TrainingArtefacts> {
    const d = await this.client.get(id, signal);
    const events = readTrainerEvents(await this.jobLog(id, d, signal));
    const outputDir = d.metadata?.[META.outputDir];
    const adapter = events.adapterDir ?? (d.status === 'SUCCEEDED' && outputDir ? `${outputDir}/adapter` : undefined);
    return {
      adapter,
      checkpoints: events.checkpoints,
      metricsFile: outputDir ? `${outputDir}/metrics.jsonl` : undefined,
      fetchHint: adapter
        ? `The adapter is on the cluster at ${adapter} (on the node that ran the job, ${d.driver_node_id ?? 'the head node'}); with a storage path on shared storage every node and this machine can read it.`
        : undefined,
    };
  }

  /**
   * Runs the trainer's predict over the run's test split as a Ray job and waits for it. Returns where the answers
   * are on the cluster (the storage path): on shared storage or a one-node cluster this machine can import them.
   */
  async predict(req: TrainerPredictRequest, signal?: AbortSignal, pollMs = 1000): Promise<{ jobId: string; outputFile: string }> {
    // Every part of a test batch written in parts goes up, each under its own name.
    const testNames = (await predictTestFiles(req.runDir)).map((source, i) => ({ source, name: `data/test-${i}-${basename(source)}` }));
    const entries = [...(await trainerEntries(this.opts.trainerRoot)), ...testNames];
    const pkg = await buildWorkingDirPackage(entries, signal);
    try {
      if (!(await this.client.packageExists(pkg.uri, signal))) await this.client.uploadPackage(pkg.uri, pkg.zipPath, signal);
    } finally {
      await pkg.dispose();
    }
    const outputDir = `${(this.opts.storagePath ?? DEFAULT_RAY_STORAGE_PATH).replace(/\/+$/, '')}/predict-${randomBytes(4).toString('hex')}`;
    const outputFile = `${outputDir}/predictions.jsonl`;
    const config = JSON.stringify(predictConfig(req, testNames.map((t) => `${WORKDIR}/${t.name}`), outputFile));
    const python = this.opts.python ?? 'python';
    const gpu = await oneGpuWhenPresent(this.client, signal);
    const id = await this.client.submit(
      {
        ...gpu,
        entrypoint: `mkdir -p "$PIXTUNE_OUTPUT_DIR" && ${writeConfig('PIXTUNE_PREDICT_CONFIG', '$PIXTUNE_OUTPUT_DIR/predict.json')} && exec ${python} -m pixtune_trainer predict --config "$PIXTUNE_OUTPUT_DIR/predict.json"`,
        runtime_env: { working_dir: pkg.uri, env_vars: { PIXTUNE_OUTPUT_DIR: outputDir, PIXTUNE_PREDICT_CONFIG: config, PYTHONUNBUFFERED: '1' } },
        metadata: { pixtune_predict: '1', [META.runDir]: req.runDir },
      },
      signal,
    );
    // Cancelled here: the job is stopped too, not left answering for nobody.
    signal?.addEventListener('abort', () => void this.client.stop(id).catch(() => undefined), { once: true });
    for (;;) {
      const d = await this.client.get(id, signal);
      if (d.status === 'SUCCEEDED') return { jobId: id, outputFile };
      if (d.status === 'FAILED' || d.status === 'STOPPED') {
        const log = await this.client.logs(id, signal).catch(() => '');
        throw new UserError(`The prediction job ${id} ${d.status === 'FAILED' ? 'failed' : 'was stopped'}: ${readTrainerEvents(log).error ?? d.message ?? 'no reason given'}`, undefined, logTail(log, 10));
      }
      await new Promise((r) => setTimeout(r, pollMs));
      signal?.throwIfAborted();
    }
  }

  /** Runs `python -m pixtune_trainer env --json [--model …]` on the cluster (the capacity check's view of a node). */
  async probeEnvironment(signal?: AbortSignal, opts: { baseModel?: string; timeoutMs?: number } = {}): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    // On a GPU node, or the probe reports the head's (often GPU-less) view.
    const gpu = await oneGpuWhenPresent(this.client, signal);
    const entries = await trainerEntries(this.opts.trainerRoot);
    const pkg = await buildWorkingDirPackage(entries, signal);
    try {
      if (!(await this.client.packageExists(pkg.uri, signal))) await this.client.uploadPackage(pkg.uri, pkg.zipPath, signal);
    } finally {
      await pkg.dispose();
    }
    // The model travels in the environment, as the training's config does: no user text in the shell command.
    const model = opts.baseModel !== undefined ? ' --model "$PIXTUNE_PROBE_MODEL"' : '';
    const env_vars = opts.baseModel !== undefined ? { env_vars: { PIXTUNE_PROBE_MODEL: opts.baseModel } } : {};
    const id = await this.client.submit({ ...gpu, entrypoint: `${this.opts.python ?? 'python'} -m pixtune_trainer env --json${model}`, runtime_env: { working_dir: pkg.uri, ...env_vars }, metadata: { pixtune_probe: '1' } }, signal);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.client.get(id, signal);
      if (d.status === 'SUCCEEDED' || d.status === 'FAILED' || d.status === 'STOPPED') {
        const log = await this.client.logs(id, signal);
        await this.client.delete(id, signal).catch(() => undefined);
        const line = log.split('\n').reverse().find((l) => l.trim().startsWith('{') && l.includes('"python"'));
        if (d.status !== 'SUCCEEDED' || !line) throw new UserError(`The cluster could not run the trainer: ${logTail(log, 3) || d.message || d.status}`, 'Check that the cluster\'s Python has torch, transformers, peft and mistral-common.');
        return JSON.parse(line);
      }
      if (Date.now() > deadline) {
        await this.client.stop(id, signal).catch(() => undefined);
        throw new UserError('The cluster did not run the environment check within two minutes.', 'Check that the cluster has free CPUs.');
      }
      await new Promise((r) => setTimeout(r, 1000));
      signal?.throwIfAborted();
    }
  }

  private view(d: RayJobDetails, log: string | undefined): TrainingJobView {
    const meta = d.metadata ?? {};
    const events = log !== undefined ? readTrainerEvents(log) : undefined;
    let config: TrainerConfig | undefined;
    try {
      config = meta[META.config] ? (JSON.parse(meta[META.config]) as TrainerConfig) : undefined;
    } catch {
      config = undefined;
    }
    const status = rayStatus(d.status);
    const createdAt = d.start_time ?? Date.now();
    const failed = status === 'FAILED';
    const outputDir = meta[META.outputDir];
    const adapter = status === 'SUCCESS' ? (events?.adapterDir ?? (outputDir ? `${outputDir}/adapter` : undefined)) : undefined;
    return {
      id: d.submission_id ?? d.job_id ?? 'unknown',
      backend: 'ray',
      location: this.client.address,
      status,
      baseModel: meta[META.baseModel] ?? config?.base_model ?? 'unknown model',
      runDir: meta[META.runDir],
      createdAt,
      updatedAt: d.end_time ?? Date.now(),
      step: events?.lastStep,
      totalSteps: events?.totalSteps,
      message: failed ? (events?.error ?? d.message ?? undefined) : status === 'CANCELLED' ? 'Stopped.' : undefined,
      logTail: failed && log ? logTail(log) : undefined,
      hyperparameters: config ? shownHyperparameters(config) : {},
      metrics: events?.metrics ?? [],
      adapter,
      // Ray keeps no trainer state itself: a checkpoint event in the log is what makes a resume worthwhile.
      resumable: (status === 'CANCELLED' || status === 'FAILED') && Boolean(config) && (events ? events.checkpoints.length > 0 || (events.lastStep ?? 0) > 0 : true),
    };
  }
}
