/**
 * A deadline for the SSH handshake that stops while a human is being asked something. ssh2's own readyTimeout
 * cannot pause, so a slow answer to a host-key or passphrase prompt would turn into "unreachable"; connect
 * disables it (readyTimeout 0) and runs this one instead.
 */
export class HandshakeDeadline {
  private timer: NodeJS.Timeout | undefined;
  private remainingMs: number;
  private runningSince = 0;
  private pauses = 0;
  private done = false;

  constructor(
    timeoutMs: number,
    private readonly onExpired: () => void,
  ) {
    // 0 means no deadline, as with ssh2's readyTimeout.
    this.remainingMs = timeoutMs > 0 ? timeoutMs : Infinity;
    this.resume();
  }

  /** Runs `work` (a question to the human) with the clock stopped. */
  async whilePaused<T>(work: () => Promise<T>): Promise<T> {
    if (this.pauses++ === 0) this.stop();
    try {
      return await work();
    } finally {
      if (--this.pauses === 0) this.resume();
    }
  }

  /** The handshake ended (ready or failed): the deadline no longer applies. */
  clear(): void {
    this.done = true;
    this.stop();
  }

  private stop(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remainingMs -= performance.now() - this.runningSince;
  }

  private resume(): void {
    if (this.done || this.remainingMs === Infinity) return;
    this.runningSince = performance.now();
    this.timer = setTimeout(() => {
      this.done = true;
      this.onExpired();
    }, Math.max(0, this.remainingMs));
  }
}
