// Fine-tuning jobs over plain fetch: SDK 2.7.0 dropped `fineTuning.jobs.*` (2.4.x was the last),
// and Mistral retired the routes in 2026. Jobs are returned in the wire (snake_case) shape.
// "Fine-tuning unavailable" is a state, not a crash: once a job route answers 410/403/404, the
// client remembers it and fails fast on every later job call without sending anything.
import { MistralError } from './errors';
import type { MistralTransport } from './httpTransport';
import {
  fineTuningJobListSchema,
  fineTuningJobSchema,
  jobCreateRequestSchema,
  jobEstimateSchema,
  type FineTuningJob,
  type FineTuningJobList,
  type JobCreateRequest,
  type JobListQuery,
} from './wireSchemas';

export type FineTuningAvailability = 'unknown' | 'available' | 'unavailable';

const BASE = '/v1/fine_tuning/jobs';

export class FineTuningJobsClient {
  private unavailable: MistralError | undefined;
  private known: FineTuningAvailability = 'unknown';

  constructor(private readonly transport: MistralTransport) {}

  /** 'unavailable' after the server refused a job route as retired; the UI shows that state. */
  get availability(): FineTuningAvailability {
    return this.known;
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    if (this.unavailable) throw this.unavailable;
    try {
      const out = await run();
      this.known = 'available';
      return out;
    } catch (err) {
      // A 422 "not available for this type of fine-tuning" names one model; 410/403/404 close the routes.
      if (err instanceof MistralError && err.kind === 'fine-tuning-unavailable' && err.status !== 422) {
        this.unavailable = err;
        this.known = 'unavailable';
      }
      throw err;
    }
  }

  /** Creates a job. Pass `auto_start: false` to stop at VALIDATED with cost/tokens filled in. */
  create(request: JobCreateRequest, signal?: AbortSignal): Promise<FineTuningJob> {
    const body = jobCreateRequestSchema.parse(request);
    return this.call(() =>
      this.transport.json('POST', BASE, fineTuningJobSchema, body, { family: 'jobs', idempotent: false, signal }),
    );
  }

  /** The legacy `?dry_run=true` estimate; servers that ignore it answer with a job instead. */
  estimate(request: JobCreateRequest, signal?: AbortSignal) {
    const body = jobCreateRequestSchema.parse(request);
    return this.call(() =>
      this.transport.json('POST', BASE, jobEstimateSchema.or(fineTuningJobSchema), body, {
        family: 'jobs',
        idempotent: false,
        query: { dry_run: true },
        signal,
      }),
    );
  }

  /** One page (newest first). */
  list(query: JobListQuery = {}, signal?: AbortSignal): Promise<FineTuningJobList> {
    return this.call(() =>
      this.transport.json('GET', BASE, fineTuningJobListSchema, undefined, {
        family: 'jobs',
        query: { page: 0, page_size: 100, ...query } as Record<string, string | number | boolean | Date | undefined>,
        signal,
      }),
    );
  }

  /** Every job across pages, newest first, stopping when a page comes back short or `total` is reached. */
  async *listAll(query: Omit<JobListQuery, 'page'> = {}, signal?: AbortSignal): AsyncGenerator<FineTuningJob> {
    const pageSize = query.page_size ?? 100;
    let seen = 0;
    for (let page = 0; ; page++) {
      const res = await this.list({ ...query, page, page_size: pageSize }, signal);
      for (const job of res.data) yield job;
      seen += res.data.length;
      if (res.data.length < pageSize || seen >= res.total) return;
    }
  }

  get(jobId: string, signal?: AbortSignal): Promise<FineTuningJob> {
    return this.call(() => this.transport.json('GET', `${BASE}/${encodeURIComponent(jobId)}`, fineTuningJobSchema, undefined, { family: 'jobs', signal }));
  }

  /** Starts a VALIDATED job created with auto_start false. */
  start(jobId: string, signal?: AbortSignal): Promise<FineTuningJob> {
    return this.call(() =>
      this.transport.json('POST', `${BASE}/${encodeURIComponent(jobId)}/start`, fineTuningJobSchema, undefined, { family: 'jobs', idempotent: false, signal }),
    );
  }

  cancel(jobId: string, signal?: AbortSignal): Promise<FineTuningJob> {
    // Cancelling twice is harmless, so a timed-out cancel may be retried.
    return this.call(() =>
      this.transport.json('POST', `${BASE}/${encodeURIComponent(jobId)}/cancel`, fineTuningJobSchema, undefined, { family: 'jobs', idempotent: true, signal }),
    );
  }
}
