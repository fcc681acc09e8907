// How a job status looks in the UI: codicon, theme colour, a short label, and whether the job is
// still moving. The status enum is open (the service may add values), so unknown statuses get a
// neutral look instead of breaking the tree.
import { isTerminalJobStatus } from '../mistral/wireSchemas';

export interface StatusLook {
  /** Codicon id, e.g. "sync~spin". */
  icon: string;
  /** Theme colour id (ThemeColor), or undefined for the default foreground. */
  color?: string;
  label: string;
  /** True while the job may still change on its own (worth polling). */
  active: boolean;
  /** True when the job waits for the user to start it. */
  awaitingStart: boolean;
}

// A Map, not an object: a status is a server string, and "toString" or "constructor" must not find
// Object.prototype's functions (which broke the details panel).
const LOOKS = new Map<string, Omit<StatusLook, 'active' | 'awaitingStart'>>(Object.entries({
  QUEUED: { icon: 'clock', color: 'charts.yellow', label: 'Queued' },
  STARTED: { icon: 'loading~spin', color: 'charts.blue', label: 'Started' },
  VALIDATING: { icon: 'loading~spin', color: 'charts.blue', label: 'Validating' },
  VALIDATED: { icon: 'debug-pause', color: 'charts.yellow', label: 'Validated, waiting to start' },
  RUNNING: { icon: 'sync~spin', color: 'charts.blue', label: 'Running' },
  SUCCESS: { icon: 'pass-filled', color: 'testing.iconPassed', label: 'Succeeded' },
  FAILED: { icon: 'error', color: 'testing.iconFailed', label: 'Failed' },
  FAILED_VALIDATION: { icon: 'error', color: 'testing.iconFailed', label: 'Failed validation' },
  CANCELLED: { icon: 'circle-slash', color: 'disabledForeground', label: 'Cancelled' },
  CANCELLATION_REQUESTED: { icon: 'loading~spin', color: 'disabledForeground', label: 'Cancelling' },
}));

export function statusLook(status: string): StatusLook {
  const known = LOOKS.get(status);
  const terminal = isTerminalJobStatus(status);
  // VALIDATED with auto_start false stays put until someone starts it; it is not "running".
  const awaitingStart = status === 'VALIDATED';
  if (known) return { ...known, active: !terminal && !awaitingStart, awaitingStart };
  return { icon: 'question', label: titleCase(status), active: !terminal, awaitingStart: false };
}

function titleCase(s: string): string {
  const words = s.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** True for statuses that a Start action applies to. */
export function canStart(status: string): boolean {
  return status === 'VALIDATED';
}

/** True for statuses a Cancel action applies to. */
export function canCancel(status: string): boolean {
  return !isTerminalJobStatus(status) && status !== 'CANCELLATION_REQUESTED';
}
