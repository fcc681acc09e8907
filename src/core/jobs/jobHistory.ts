// Jobs Pixtune recorded (job.json in the run folder, mirrored in workspaceState) that their server no longer
// lists. The local sandbox keeps jobs in memory, so a window reload, which restarts it, empties it: those
// jobs stay visible as history, saying plainly why, with what was recorded (last status, model, files).
import type { JobLink } from './jobLinks';
import type { JobDetailsModel } from './jobDetailsModel';
import { formatAge, formatTimestamp } from './formatJob';
import { runDisplayName } from './runFolderFiles';
import { statusLook } from './jobStatusView';

export interface HistoryServer {
  kind: string;
  label: string;
}

/** Why the job is history, in one sentence. */
export function historyNotice(server: HistoryServer, runName: string): string {
  const why =
    server.kind === 'sandbox'
      ? 'The local sandbox was restarted (a window reload stops it, and it keeps jobs in memory only), so it no longer has this job.'
      : `${server.label} no longer lists this job.`;
  return `${why} Shown here is what Pixtune recorded in ${runName}/job.json.`;
}

export interface HistoryRow {
  id: string;
  label: string;
  description: string;
  tooltip: string[];
  /** Matched by package.json menus. */
  contextValue: string;
}

function lastSeen(link: JobLink): string {
  return link.lastStatus ? `last seen ${statusLook(link.lastStatus).label.toLowerCase()}` : 'status never seen';
}

export function historyRow(link: JobLink, server: HistoryServer, nowMs: number): HistoryRow {
  const runName = runDisplayName(link.runDir);
  const gone = server.kind === 'sandbox' ? 'sandbox restarted' : 'no longer listed';
  return {
    id: link.jobId,
    label: link.fineTunedModel ?? link.model,
    description: ['History', gone, lastSeen(link), formatAge(link.createdAt, nowMs), runName].join(' · '),
    tooltip: [`Recorded job ${link.jobId}`, historyNotice(server, runName), `Base model: ${link.model}`, ...(link.fineTunedModel ? [`Fine-tuned model: ${link.fineTunedModel}`] : [])],
    contextValue: 'jobHistory',
  };
}

/** The details page of a recorded job: what job.json holds, with the notice on top and no actions. */
export function historyDetailsModel(link: JobLink, server: HistoryServer): JobDetailsModel {
  const runName = runDisplayName(link.runDir);
  const look = link.lastStatus ? statusLook(link.lastStatus) : undefined;
  const summary = [
    { label: 'Job', value: link.jobId },
    { label: 'Base model', value: link.model },
    ...(link.fineTunedModel ? [{ label: 'Fine-tuned model', value: link.fineTunedModel }] : []),
    { label: 'Created', value: formatTimestamp(link.createdAt) },
    { label: 'Last status seen', value: look?.label ?? 'none' },
    { label: 'Run folder', value: runName },
  ];
  return {
    id: link.jobId,
    title: link.fineTunedModel ?? link.model,
    status: link.lastStatus ?? 'UNKNOWN',
    statusLabel: `${look?.label ?? 'Unknown'} (recorded)`,
    statusIcon: 'history',
    active: false,
    serverLabel: server.label,
    isSandbox: server.kind === 'sandbox',
    summary,
    timeline: [],
    hyperparameters: [],
    files: link.uploadedFiles.map((f) => ({ label: f.role === 'training' ? 'Training' : 'Validation', value: `${f.fileId} (${f.path.split(/[\\/]/).pop()})` })),
    costs: [],
    series: { steps: [], trainLoss: [], validLoss: [], validAccuracy: [] },
    canStart: false,
    canCancel: false,
    hasModel: false,
    notice: historyNotice(server, runName),
    recorded: true,
  };
}
