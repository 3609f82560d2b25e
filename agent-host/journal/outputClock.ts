/**
 * How late output may reach viewers when nobody is typing into its session. An agent printing a line a second in
 * each of 50 sessions would otherwise cost 50 separate sends a second, each waking the bridge, sshd and the app;
 * on one clock, the lines of all sessions due in the same 50 ms leave in the same turn, which the connection corks
 * into one write. A person reading agent output does not see 50 ms; a person typing gets every echo at once.
 */
export const QUIET_OUTPUT_DELAY_MS = 50;

/** One clock for the quiet output of every session of a daemon: whatever is due when it ticks is flushed together. */
export class OutputClock {
  private readonly due = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly delayMs = QUIET_OUTPUT_DELAY_MS) {}

  /** Runs `flush` at the next tick (at most delayMs from now); the returned function takes it back. */
  schedule(flush: () => void): () => void {
    this.due.add(flush);
    this.timer ??= setTimeout(() => this.tick(), this.delayMs);
    return () => {
      this.due.delete(flush);
    };
  }

  private tick(): void {
    this.timer = undefined;
    const due = [...this.due];
    this.due.clear();
    for (const flush of due) flush();
  }
}
