// Job ↔ run-folder links, kept in workspaceState (so a reload knows which jobs were launched here and
// still running) and mirrored into the run folder's job.json.
import type * as vscode from 'vscode';
import { parseJobLinks, recordJobInRunFolder, type JobLink } from '../../core/jobs/jobLinks';
import { runDisplayName } from '../../core/jobs/runFolderFiles';

const STATE_KEY = 'pixtune.jobLinks';

export class JobLinkStore {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
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

  /** Records a status change of a linked job; only writes when something changed. */
  async noteStatus(jobId: string, status: string, fineTunedModel: string | null | undefined): Promise<void> {
    const link = this.get(jobId);
    if (!link || (link.lastStatus === status && (link.fineTunedModel ?? null) === (fineTunedModel ?? null))) return;
    await this.save({ ...link, lastStatus: status, fineTunedModel: fineTunedModel ?? null });
  }
}
