/**
 * How late an ack may go out. The host only needs acks to keep a viewer's window open and to tell a frozen viewer
 * (no ack for its stall timeout, 30 s by default) from a live one, so a tenth of a second costs nothing, and it
 * lets the acks of a host's busy terminals share one SSH packet instead of one packet (and a wake-up of sshd, the
 * bridge and the daemon) each.
 */
export const ACK_DELAY_MS = 100;

/** Past this share of a stream's window waiting to be acked, the acks go at once: the host never waits on the delay. */
const URGENT_SHARE_OF_WINDOW = 4;

interface Stream {
  /** The offset the host last heard (or the stream's start). */
  sent: number;
  window: number;
}

export type Ack = readonly [streamId: string, offset: number];

/**
 * The acks of one lane's streams, sent together: every ack keeps only its stream's latest offset, and all waiting
 * acks leave in one write, ACK_DELAY_MS after the first, or at once when a stream's consumer has taken a quarter of
 * its window since the host last heard from it.
 */
export class AckBatcher {
  private readonly streams = new Map<string, Stream>();
  private readonly waiting = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: (acks: Ack[]) => void) {}

  /** A stream the host starts at `from` with `window` bytes of flow control. */
  begin(streamId: string, from: number, window: number): void {
    this.streams.set(streamId, { sent: from, window });
    this.waiting.delete(streamId);
  }

  ack(streamId: string, offset: number): void {
    const stream = this.streams.get(streamId);
    if (!stream || offset <= stream.sent) return;
    this.waiting.set(streamId, offset);
    if (offset - stream.sent >= stream.window / URGENT_SHARE_OF_WINDOW) {
      this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), ACK_DELAY_MS);
      // A CLI that has printed everything exits without waiting for its last ack: the host needs none after that.
      this.timer.unref();
    }
  }

  /** The stream ended on this side (detached): its waiting ack is of no use to anyone. */
  end(streamId: string): void {
    this.streams.delete(streamId);
    this.waiting.delete(streamId);
  }

  /** The lane went away: its streams begin again on the next one. */
  clear(): void {
    this.cancelTimer();
    this.streams.clear();
    this.waiting.clear();
  }

  flush(): void {
    this.cancelTimer();
    if (this.waiting.size === 0) return;
    const acks: Ack[] = [];
    for (const [streamId, offset] of this.waiting) {
      acks.push([streamId, offset]);
      this.streams.get(streamId)!.sent = offset;
    }
    this.waiting.clear();
    this.send(acks);
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
