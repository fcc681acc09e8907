// The job ↔ run-folder link store lives in core (vscode-free, tested there); the extension passes it
// its workspaceState and log channel.
export { JobLinkStore } from '../../core/jobs/jobLinkStore';
