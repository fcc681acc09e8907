// One poll at a time, each with its own AbortController. A request while a poll runs does not start a
// second one: it asks for one more poll after the current one (its answer may be stale), and with
// `restart` it aborts the current poll first, so a hanging request never blocks a manual refresh, a
// server or key change, or shutdown. The poll itself treats an aborted signal as a normal end.

export class SingleFlightPoll {
  private current: Promise<void> | undefined;
  private ctrl: AbortController | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly run: (signal: AbortSignal) => Promise<void>) {}

  get busy(): boolean {
    return this.current !== undefined;
  }

  /**
   * Polls now, or once more after the poll in flight; the promise settles when that later poll has run.
   * `restart` aborts the poll in flight (its result is unwanted or it may hang) before polling again.
   */
  request(opts: { restart?: boolean } = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.current) {
      this.again = true;
      if (opts.restart) this.ctrl?.abort();
      return this.current;
    }
    this.current = this.loop().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  /** Aborts the poll in flight, if any (no new poll is requested). */
  abort(): void {
    this.ctrl?.abort();
  }

  /** Aborts the poll in flight and refuses new ones. */
  dispose(): void {
    this.stopped = true;
    this.again = false;
    this.abort();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const ctrl = new AbortController();
      this.ctrl = ctrl;
      try {
        await this.run(ctrl.signal);
      } catch (err) {
        // A run that lets its own abort escape still ends normally; any other failure is the caller's.
        if (!ctrl.signal.aborted) throw err;
      } finally {
        if (this.ctrl === ctrl) this.ctrl = undefined;
      }
    } while (this.again && !this.stopped);
  }
}
