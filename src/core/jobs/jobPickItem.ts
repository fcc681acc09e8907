// How a job is offered in a picker (Start / Cancel Job, Copy Model ID from the palette): named as the tree names
// it, with the status in the tree's words ("Succeeded", not the wire value "SUCCESS").
import { statusLook } from './jobStatusView';

export interface JobPickItem {
  label: string;
  description: string;
  detail: string;
  id: string;
}

export function jobPickItem(job: { id: string; model: string; status: string; fine_tuned_model?: string | null }): JobPickItem {
  return { label: job.fine_tuned_model ?? job.model, description: statusLook(job.status).label, detail: job.id, id: job.id };
}
