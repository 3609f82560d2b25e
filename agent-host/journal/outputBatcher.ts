import { concatBytes } from '../../common/wire/bytes';
import type { OutputClock } from './outputClock';

/** Input this recent means a person is at the terminal: its output goes at once, not on the clock. */
const TYPING_WINDOW_MS = 2000;

export interface OutputBatcherOptions {
  /** Flush once this many bytes are pending. */
  maxBytes?: number;
  /** While output streams, flush this long after the first pending byte. */
  delayMs?: number;
  /** Output counts as streaming once this many bytes were flushed within `windowMs`. */
  burstBytes?: number;
  windowMs?: number;
  /** Where sparse output waits while nobody types (see OutputClock); without one it goes on the next turn. */
  clock?: OutputClock;
}

/**
 * Coalesces the PTY's many small reads into journal-sized batches: one SQLite row and one commit per
 * batch instead of per read. Sparse output is flushed on the next turn of the event loop while someone types (an
 * echo, the prompt after a command), so typing is never delayed, and otherwise on the daemon's output clock, with
 * other sessions' quiet output. While output streams a batch waits `delayMs` to grow, which is what makes
 * high-throughput output cheap to journal.
 */
export class OutputBatcher {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private cancelScheduled: (() => void) | undefined;
  private windowStart = 0;
  private windowBytes = 0;
  private typedAt = -Infinity;
  private onClock = false;
  private readonly maxBytes: number;
  private readonly delayMs: number;
  private readonly burstBytes: number;
  private readonly windowMs: number;
  private readonly clock: OutputClock | undefined;

  constructor(
    private readonly onBatch: (data: Uint8Array) => void,
    options: OutputBatcherOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.delayMs = options.delayMs ?? 4;
    this.burstBytes = options.burstBytes ?? 4 * 1024;
    this.windowMs = options.windowMs ?? 20;
    this.clock = options.clock;
  }

  /** Input was written to the program: its echo must not wait, and neither may output already waiting. */
  typed(): void {
    this.typedAt = performance.now();
    if (!this.onClock) return;
    this.cancelScheduled?.();
    this.onClock = false;
    this.flushNextTurn();
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.size += data.length;
    if (this.size >= this.maxBytes) return this.flush();
    if (this.cancelScheduled) return;
    if (this.streaming()) {
      const timer = setTimeout(() => this.flush(), this.delayMs);
      this.cancelScheduled = () => clearTimeout(timer);
    } else if (this.clock && performance.now() - this.typedAt > TYPING_WINDOW_MS) {
      this.onClock = true;
      this.cancelScheduled = this.clock.schedule(() => this.flush());
    } else {
      this.flushNextTurn();
    }
  }

  /** Every read of this poll phase still lands in the batch. */
  private flushNextTurn(): void {
    const immediate = setImmediate(() => this.flush());
    this.cancelScheduled = () => clearImmediate(immediate);
  }

  flush(): void {
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
    this.onClock = false;
    if (this.size === 0) return;
    const batch = this.chunks.length === 1 ? this.chunks[0]! : concatBytes(this.chunks, this.size);
    this.count(this.size);
    this.chunks = [];
    this.size = 0;
    this.onBatch(batch);
  }

  private streaming(): boolean {
    const recent = performance.now() - this.windowStart <= this.windowMs ? this.windowBytes : 0;
    return recent + this.size >= this.burstBytes;
  }

  private count(bytes: number): void {
    const now = performance.now();
    if (now - this.windowStart > this.windowMs) {
      this.windowStart = now;
      this.windowBytes = 0;
    }
    this.windowBytes += bytes;
  }
}
