// What a Ray job's entrypoint asks the scheduler for. Ray runs an entrypoint on the head node unless it asks
// for resources (entrypoint_num_gpus): a one-worker training runs the trainer in the entrypoint itself, so
// without them it trains on the head's CPU while the cluster's GPUs sit idle. With several workers Ray Train
// places the workers on GPUs and the entrypoint only drives them.
import type { RaySubmitRequest } from './rayJobsClient';

/** The GPUs a training's entrypoint needs: the worker's own when it is the only worker. */
export function trainingEntrypointResources(c: { workers: number; gpus_per_worker: number }): Pick<RaySubmitRequest, 'entrypoint_num_gpus'> {
  return c.workers === 1 && c.gpus_per_worker > 0 ? { entrypoint_num_gpus: c.gpus_per_worker } : {};
}

/** The total of one resource ("GPU", "CPU", "memory") in the dashboard's cluster usage ([used, total] pairs); 0 when absent. */
export function clusterTotal(usage: Record<string, unknown> | undefined, key: string): number {
  const pair = usage?.[key];
  return Array.isArray(pair) && typeof pair[1] === 'number' ? pair[1] : 0;
}

/** A one-GPU job (predict, the environment probe) asks for a GPU when the cluster has one, so it sees CUDA. */
export async function oneGpuWhenPresent(client: { clusterUsage(signal?: AbortSignal): Promise<Record<string, unknown> | undefined> }, signal?: AbortSignal): Promise<Pick<RaySubmitRequest, 'entrypoint_num_gpus'>> {
  return clusterTotal(await client.clusterUsage(signal), 'GPU') > 0 ? { entrypoint_num_gpus: 1 } : {};
}
