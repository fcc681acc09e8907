// Training on this machine: the trainer runs as a detached process (its own process group, stdout and
// stderr to files in the job folder), so closing or reloading the window does not stop it. Pixtune
// follows it through what the trainer writes (status.json, metrics.jsonl) and whether its process is
// still there: a process that is gone without a final status is reported as failed, with the end of its
// log. Stop sends SIGTERM to the process group (the trainer writes a checkpoint and exits 143); resume
// starts it again on the same folder with resume: true.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../../errors';
import { writeFileAtomic } from '../../../fsutil/atomicWrite';
import { findRunFiles } from '../../runFolderFiles';
import { shownHyperparameters, trainerConfig, type TrainerConfig } from '../trainerConfig';
import {
  logTail,
  parseMetricsJsonl,
  statusFromTrainer,
  trainerStatusSchema,
  type LaunchRequest,
  type TrainerStatus,
  type TrainingArtefacts,
  type TrainingBackend,
  type TrainingJobView,
} from '../trainingBackend';
import { watchJobFolder } from './jobFolderWatch';
import { LocalJobIndex, readLocalJobRecord, writeLocalJobRecord, type LocalJobRecord } from './localJobRecord';

export interface LocalBackendOptions {
  /** The trainer environment's interpreter (trainer setup / scripts/setup-python.sh --print-python). */
  python: string;
  /** The folder that holds pixtune_trainer/. */
  trainerRoot: string;
  /** Where the index of local jobs lives (the extension's global storage, or ~/.cache/pixtune for the CLI). */
  indexFile: string;
}

const STDOUT = 'stdout.log';
const STDERR = 'stderr.log';

/** Is `pid` still our trainer? On Linux the command line must name the job's config, so a reused pid is not mistaken for it. */
export async function trainerAlive(pid: number, configPath: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: a process exists but is not ours, so not our trainer either.
    return false;
  }
  try {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes(configPath);
  } catch {
    return process.platform !== 'linux';
  }
}

export class LocalTrainingBackend implements TrainingBackend {
  readonly kind = 'local' as const;
  private readonly index: LocalJobIndex;

  constructor(private readonly opts: LocalBackendOptions) {
    this.index = LocalJobIndex.for(opts.indexFile);
  }

  async launch(req: LaunchRequest, signal?: AbortSignal): Promise<TrainingJobView> {
    signal?.throwIfAborted();
    const files = await findRunFiles(req.runDir);
    const slug = basename(req.runDir).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'run';
    const id = `local-${slug}-${randomBytes(4).toString('hex')}`;
    const jobDir = join(req.runDir, 'training', id);
    const config = trainerConfig({ training: files.training, validation: files.validation, baseModel: req.baseModel, outputDir: jobDir, hyperparameters: req.hyperparameters });
    const now = Date.now();
    const record: LocalJobRecord = { version: 1, id, runDir: req.runDir, jobDir, baseModel: req.baseModel, python: this.opts.python, createdAt: now, pid: 0, startedAt: now, attempts: 1, config };
    await this.start(record, signal);
    await this.index.add(id, jobDir);
    return this.view(record);
  }

  async resume(id: string, signal?: AbortSignal): Promise<TrainingJobView> {
    const r = await this.record(id);
    const view = await this.view(r);
    if (view.status === 'SUCCESS') throw new UserError(`Training ${id} has already finished.`);
    if (view.status !== 'CANCELLED' && view.status !== 'FAILED') throw new UserError(`Training ${id} is still running.`, 'Stop it first.');
    const next: LocalJobRecord = { ...r, config: { ...r.config, resume: true }, attempts: r.attempts + 1, startedAt: Date.now(), stopRequestedAt: undefined, python: this.opts.python };
    await this.start(next, signal);
    return this.view(next);
  }

  /** Writes the config, spawns the trainer detached, records its pid. */
  private async start(r: LocalJobRecord, signal?: AbortSignal): Promise<void> {
    const configPath = join(r.jobDir, 'config.json');
    await writeFileAtomic(configPath, JSON.stringify(r.config, null, 2) + '\n');
    // A resume must not read the last attempt's final status as its own.
    await writeFileAtomic(join(r.jobDir, 'status.json'), JSON.stringify({ state: 'starting', step: 0, updated_at: new Date().toISOString() }) + '\n');
    signal?.throwIfAborted();
    const out = await open(join(r.jobDir, STDOUT), 'a');
    const err = await open(join(r.jobDir, STDERR), 'a');
    try {
      const child = spawn(r.python, ['-m', 'pixtune_trainer', 'train', '--config', configPath], {
        cwd: r.jobDir,
        detached: true,
        stdio: ['ignore', out.fd, err.fd],
        env: { ...process.env, PYTHONPATH: [this.opts.trainerRoot, process.env.PYTHONPATH].filter(Boolean).join(':'), PYTHONUNBUFFERED: '1' },
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (e) => reject(new UserError(`Cannot start the trainer with ${r.python}: ${e.message}`, 'Run "pixtune trainer setup" (or Pixtune: Set Up Trainer) and try again.')));
      });
      child.unref();
      r.pid = child.pid!;
    } finally {
      await out.close();
      await err.close();
    }
    await writeLocalJobRecord(r);
  }

  private async record(id: string): Promise<LocalJobRecord> {
    const entry = (await this.index.all()).find((j) => j.id === id);
    const r = entry ? await readLocalJobRecord(entry.jobDir) : undefined;
    if (!r) throw new UserError(`No training ${id} on this machine.`, 'List the jobs to see which exist.');
    return r;
  }

  async get(id: string): Promise<TrainingJobView> {
    return this.view(await this.record(id));
  }

  /** Every job in the index whose folder still holds its record, newest first. */
  async list(): Promise<TrainingJobView[]> {
    const out: TrainingJobView[] = [];
    for (const e of await this.index.all()) {
      const r = await readLocalJobRecord(e.jobDir);
      if (r) out.push(await this.view(r));
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Follows the job's folder (fs.watch, stat polling where that is unavailable); a job not found is not watched. */
  watch(id: string, onChange: () => void): { dispose(): void } {
    let stop: (() => void) | undefined;
    let disposed = false;
    void this.record(id).then(
      (r) => {
        if (disposed) return;
        stop = watchJobFolder(r.jobDir, onChange);
        // What was written while the record was being read is seen by no watch: one read now catches it up.
        onChange();
      },
      () => undefined,
    );
    return {
      dispose: () => {
        disposed = true;
        stop?.();
      },
    };
  }

  async stop(id: string): Promise<TrainingJobView> {
    const r = await this.record(id);
    if (await trainerAlive(r.pid, join(r.jobDir, 'config.json'))) {
      // The negative pid is the process group: the trainer and anything it started (data loader workers).
      try {
        process.kill(-r.pid, 'SIGTERM');
      } catch {
        process.kill(r.pid, 'SIGTERM');
      }
      r.stopRequestedAt = Date.now();
      await writeLocalJobRecord(r);
    }
    return this.view(r);
  }

  async logs(id: string): Promise<string> {
    const r = await this.record(id);
    const read = (name: string) => readFile(join(r.jobDir, name), 'utf8').catch(() => '');
    const [out, err] = await Promise.all([read(STDOUT), read(STDERR)]);
    return `${err}${err && out ? '\n' : ''}${out}`;
  }

  async artefacts(id: string): Promise<TrainingArtefacts> {
    const r = await this.record(id);
    const status = await this.readStatus(r);
    const adapterDir = status?.adapter_dir ?? join(r.jobDir, 'adapter');
    const hasAdapter = await stat(join(adapterDir, 'adapter_config.json')).then(() => true, () => false);
    const cpDir = join(r.jobDir, 'checkpoints');
    const checkpoints = (await readdir(cpDir).catch(() => [] as string[])).filter((n) => n.startsWith('step-')).map((n) => join(cpDir, n));
    return { adapter: hasAdapter ? adapterDir : undefined, checkpoints, metricsFile: join(r.jobDir, 'metrics.jsonl') };
  }

  private async readStatus(r: LocalJobRecord): Promise<TrainerStatus | undefined> {
    try {
      const p = trainerStatusSchema.safeParse(JSON.parse(await readFile(join(r.jobDir, 'status.json'), 'utf8')));
      return p.success ? p.data : undefined;
    } catch {
      return undefined;
    }
  }

  private async view(r: LocalJobRecord): Promise<TrainingJobView> {
    // Alive first, files after: read together, a trainer that writes its final status and exits between the two
    // reads would look like one that died without a word (a false "failed", likeliest right after a file change).
    const alive = await trainerAlive(r.pid, join(r.jobDir, 'config.json'));
    const [status, metricsText] = await Promise.all([this.readStatus(r), readFile(join(r.jobDir, 'metrics.jsonl'), 'utf8').catch(() => '')]);
    const metrics = parseMetricsJsonl(metricsText);
    const state = status?.state ?? 'starting';
    let jobStatus = statusFromTrainer(state);
    let message = status?.error ?? (state === 'failed' || state === 'stopped' ? (status?.message ?? undefined) : undefined);
    let tail: string | undefined;
    const unfinished = state === 'starting' || state === 'running';
    if (unfinished && !alive && r.stopRequestedAt) {
      // Stopped while it was still starting (before its SIGTERM handler was in place): stopped, as asked.
      jobStatus = 'CANCELLED';
      message = 'Stopped while the trainer was starting.';
    } else if (unfinished && !alive) {
      // Gone without a final word (killed, out of memory, a crash before the trainer could write): failed.
      jobStatus = 'FAILED';
      const err = await readFile(join(r.jobDir, STDERR), 'utf8').catch(() => '');
      tail = logTail(err) || undefined;
      message = 'The trainer process ended without reporting a result.';
    } else if (unfinished && r.stopRequestedAt) {
      jobStatus = 'CANCELLATION_REQUESTED';
    } else if (state === 'failed') {
      tail = logTail(await readFile(join(r.jobDir, STDERR), 'utf8').catch(() => '')) || undefined;
    }
    const config = r.config as TrainerConfig;
    const hasCheckpoint = (await readdir(join(r.jobDir, 'checkpoints')).catch(() => [] as string[])).some((n) => n.startsWith('step-'));
    return {
      id: r.id,
      backend: 'local',
      location: 'this machine',
      status: jobStatus,
      baseModel: r.baseModel,
      runDir: r.runDir,
      createdAt: r.createdAt,
      updatedAt: typeof status?.updated_at === 'string' ? Date.parse(status.updated_at) || r.startedAt : r.startedAt,
      step: status?.step ?? metrics.at(-1)?.step,
      totalSteps: status?.total_steps ?? undefined,
      message,
      logTail: tail,
      hyperparameters: shownHyperparameters(config),
      metrics,
      adapter: jobStatus === 'SUCCESS' ? (status?.adapter_dir ?? join(r.jobDir, 'adapter')) : undefined,
      resumable: (jobStatus === 'CANCELLED' || jobStatus === 'FAILED') && hasCheckpoint,
    };
  }
}
