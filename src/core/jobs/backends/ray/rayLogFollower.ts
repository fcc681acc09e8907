// Follows a running Ray job's log through the dashboard's websocket (GET /api/jobs/{id}/logs/tail, Ray's
// job_head.py): Ray streams the log file from its first line and then each chunk as it is written, and closes the
// socket when the job ends. The REST API has no offset — GET /api/jobs/{id}/logs hands out the whole log every
// time — so a job followed here is read from this text instead of downloading its growing log at every poll.
// A follower that cannot connect (a proxy without websockets, an old Ray) says so and the backend keeps to the
// REST API; the token goes only into the upgrade request's Authorization header.
import WebSocket from 'ws';

export type LogFollowerState = 'connecting' | 'open' | 'ended' | 'failed';

export interface LogTailTarget {
  url: string;
  headers: Record<string, string>;
}

export interface LogFollowerOptions {
  /** Called (at most every `quietMs`) after new text arrived, and once when the stream ends or fails. */
  onChange?: () => void;
  quietMs?: number;
  /** Why the stream could not be followed (never with the token in it). */
  onFailure?: (reason: string) => void;
}

export class RayLogFollower {
  private textValue = '';
  private stateValue: LogFollowerState = 'connecting';
  private bytes = 0;
  private readonly socket: WebSocket;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(target: LogTailTarget, private readonly opts: LogFollowerOptions = {}) {
    this.socket = new WebSocket(target.url, { headers: target.headers, handshakeTimeout: 15_000, perMessageDeflate: false });
    this.socket.on('open', () => {
      if (this.stateValue === 'connecting') this.stateValue = 'open';
    });
    this.socket.on('message', (data: WebSocket.RawData) => {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      this.bytes += chunk.length;
      this.textValue += chunk.toString('utf8');
      this.changed();
    });
    this.socket.on('unexpected-response', (_req, res) => {
      this.fail(`the dashboard answered ${res.statusCode ?? 'an error'} to the log stream`);
      res.resume();
      this.socket.terminate();
    });
    this.socket.on('error', (err: Error) => this.fail(err.message));
    this.socket.on('close', () => {
      if (this.stateValue === 'open') this.stateValue = 'ended';
      else if (this.stateValue === 'connecting') this.fail('the log stream closed before it opened');
      this.flush();
    });
  }

  /** The log as streamed so far (from its first line). */
  get text(): string {
    return this.textValue;
  }

  get state(): LogFollowerState {
    return this.stateValue;
  }

  /** Bytes received, for the tests and the bench. */
  get receivedBytes(): number {
    return this.bytes;
  }

  /** The stream is connected and has delivered the log so far: read it instead of asking for the whole log. */
  get usable(): boolean {
    return this.stateValue === 'open' && this.bytes > 0;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    if (this.stateValue === 'connecting' || this.stateValue === 'open') this.stateValue = 'ended';
  }

  private fail(reason: string): void {
    if (this.stateValue === 'failed' || this.stateValue === 'ended') return;
    this.stateValue = 'failed';
    if (!this.closed) this.opts.onFailure?.(reason);
  }

  private changed(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.opts.quietMs ?? 150);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.closed) this.opts.onChange?.();
  }
}

/**
 * The followers of one backend, by job id: started by a view that wants a running job's changes at once
 * (TrainingBackend.watch), read by the backend's get() instead of the whole log, closed when the view lets go.
 */
export class RayLogFollowers {
  private readonly byId = new Map<string, { follower: RayLogFollower; listeners: Set<() => void> }>();

  constructor(private readonly warn?: (message: string) => void) {}

  follow(id: string, target: () => LogTailTarget, onChange: () => void): { dispose(): void } {
    let entry = this.byId.get(id);
    if (!entry || entry.follower.state === 'failed' || entry.follower.state === 'ended') {
      entry?.follower.close();
      const listeners = new Set<() => void>();
      const follower = new RayLogFollower(target(), {
        onChange: () => listeners.forEach((l) => l()),
        onFailure: (reason) => this.warn?.(`ray: cannot follow the log of job ${id} (${reason}); it is read whole at each poll instead`),
      });
      entry = { follower, listeners };
      this.byId.set(id, entry);
    }
    const e = entry;
    e.listeners.add(onChange);
    return {
      dispose: () => {
        e.listeners.delete(onChange);
        if (e.listeners.size || this.byId.get(id) !== e) return;
        e.follower.close();
        this.byId.delete(id);
      },
    };
  }

  /** The log streamed so far for a followed job whose stream works; undefined otherwise (read it whole). */
  text(id: string): string | undefined {
    const f = this.byId.get(id)?.follower;
    return f?.usable ? f.text : undefined;
  }

  follower(id: string): RayLogFollower | undefined {
    return this.byId.get(id)?.follower;
  }

  dispose(): void {
    for (const { follower } of this.byId.values()) follower.close();
    this.byId.clear();
  }
}
