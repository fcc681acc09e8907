// Job ↔ run-folder links, kept in a key-value store (the extension's workspaceState, so a reload knows
// which jobs were launched here and still running) and mirrored into the run folder's job.json.
// vscode-free so the jobs watcher can be tested with the real store (VS Code's Memento fits LinkState).
import { parseJobLinks, recordJobInRunFolder, type JobLink } from './jobLinks';
import { runDisplayName } from './runFolderFiles';
import { statusLook } from './jobStatusView';

const STATE_KEY = 'pixtune.jobLinks';

/** Where the links are kept between sessions (VS Code's Memento has this shape). */
export interface LinkState {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

/**
 * True while a reload should still poll for the job: last seen queued, running or cancelling, and its server
 * has not said that it no longer knows the job.
 */
export function linkAwaitsJob(link: JobLink): boolean {
  if (!link.lastStatus || link.notFoundAt !== undefined || link.declinedAt !== undefined) return false;
  return statusLook(link.lastStatus).active || link.lastStatus === 'CANCELLATION_REQUESTED';
}

export class JobLinkStore {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: LinkState,
    private readonly log: { warn(message: string): void },
  ) {}

  all(): Record<string, JobLink> {
    return parseJobLinks(this.state.get(STATE_KEY));
  }

  get(jobId: string): JobLink | undefined {
    return this.all()[jobId];
  }

  runName(jobId: string): string | undefined {
    const link = this.get(jobId);
    return link ? runDisplayName(link.runDir) : undefined;
  }

  /** Saves one after another, so an older status never overwrites a newer one in job.json. */
  save(link: JobLink): Promise<void> {
    this.writes = this.writes.then(async () => {
      await this.state.update(STATE_KEY, { ...this.all(), [link.jobId]: link });
      try {
        await recordJobInRunFolder(link);
      } catch (err) {
        // The run folder may have been deleted or be read-only; the workspaceState copy still works.
        this.log.warn(`could not write job.json in ${link.runDir}: ${(err as Error).message}`);
      }
    }).catch((err: unknown) => this.log.warn(`could not remember job ${link.jobId}: ${(err as Error).message}`));
    return this.writes;
  }

  /** Records a status change of a linked job; only writes when something changed. A job seen again is found. */
  async noteStatus(jobId: string, status: string, fineTunedModel: string | null | undefined): Promise<void> {
    const link = this.get(jobId);
    if (!link || (link.lastStatus === status && (link.fineTunedModel ?? null) === (fineTunedModel ?? null) && link.notFoundAt === undefined)) return;
    await this.save({ ...link, lastStatus: status, fineTunedModel: fineTunedModel ?? null, notFoundAt: undefined });
  }

  /** Records that the user declined the job at the launch confirmation (it is then hidden from the list). */
  async noteDeclined(jobId: string, at: number): Promise<void> {
    const link = this.get(jobId);
    if (!link || link.declinedAt !== undefined) return;
    await this.save({ ...link, declinedAt: at });
  }

  /** Records that the job's server no longer knows the job (once; lastStatus is left as it was). */
  async noteNotFound(jobId: string, at: number): Promise<void> {
    const link = this.get(jobId);
    if (!link || link.notFoundAt !== undefined) return;
    await this.save({ ...link, notFoundAt: at });
  }
}
