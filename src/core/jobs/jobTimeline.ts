// The status timeline of a job, from its events. Real runs send `status-updated` events with
// `data.status`; other event names are kept (with their name as label) so nothing the service says
// is hidden. Events may arrive in any order; the timeline is oldest first.
import type { JobEvent } from '../mistral/wireSchemas';
import { statusLook } from './jobStatusView';

export interface TimelineEntry {
  /** Status value for status events, otherwise the event name. */
  key: string;
  label: string;
  icon: string;
  color?: string;
  at: number;
  /** Seconds until the next entry (or until `now` for the last one of an active job). */
  durationSeconds?: number;
  /** Extra text the service attached (an error message, a reason). */
  note?: string;
}

const NOTE_KEYS = ['error', 'message', 'reason', 'detail'];

export function buildTimeline(events: readonly JobEvent[] | undefined, opts: { nowSeconds?: number; active?: boolean } = {}): TimelineEntry[] {
  const sorted = [...(events ?? [])].sort((a, b) => a.created_at - b.created_at);
  const entries: TimelineEntry[] = [];
  for (const e of sorted) {
    const data = e.data ?? {};
    const status = e.name === 'status-updated' && typeof data.status === 'string' ? data.status : undefined;
    const note = NOTE_KEYS.map((k) => data[k]).find((v): v is string => typeof v === 'string' && v.length > 0);
    if (status) {
      // The same status repeated (a re-sent event) is one step on the timeline.
      if (entries.length && entries[entries.length - 1]!.key === status && !note) continue;
      const look = statusLook(status);
      entries.push({ key: status, label: look.label, icon: look.icon.replace('~spin', ''), color: look.color, at: e.created_at, note });
    } else {
      entries.push({ key: e.name, label: e.name.replace(/[-_]/g, ' '), icon: 'circle-small', at: e.created_at, note });
    }
  }
  for (let i = 0; i < entries.length - 1; i++) entries[i]!.durationSeconds = Math.max(0, entries[i + 1]!.at - entries[i]!.at);
  const last = entries[entries.length - 1];
  if (last && opts.active && opts.nowSeconds !== undefined) last.durationSeconds = Math.max(0, opts.nowSeconds - last.at);
  return entries;
}
