import type { ViewerEvent, ViewerStats } from '../../common/protocol/methods';
import type { OutputChunk } from '../journal/journal';

/** Largest OUTPUT payload per frame; journal rows can be bigger and are split. */
export const MAX_OUTPUT_FRAME_DATA = 64 * 1024;

/** Where a viewer reads from: the session's journal. */
export interface ViewerSource {
  readonly id: string;
  readonly endOffset: number;
  readonly retainedFrom: number;
  /** The session has ended; no byte will follow endOffset. */
  readonly ended: boolean;
  read(from: number): OutputChunk[];
}

/** Where a viewer writes to: its client's connection. */
export interface ViewerSink {
  readonly clientId: string;
  /** False means the stream is full: stop and wait for drain. */
  sendOutput(streamId: string, offset: number, data: Uint8Array): boolean;
  onceDrained(callback: () => void): void;
  notify(event: ViewerEvent): void;
  bufferedBytes(): number;
  /** The bytes at the viewer's cursor are no longer in the journal: it must re-attach. */
  fellBehind(viewer: Viewer): void;
}

export interface ViewerOptions {
  highWatermark: number;
  stallTimeoutMs: number;
}

/**
 * One client's cursor on one session, named on the wire by its stream id. It pulls from the journal, so the daemon never queues output
 * per viewer: it sends while un-acked bytes stay under the high watermark and the stream accepts
 * writes, and otherwise waits for an ACK or a drain and reads on from the journal.
 */
export class Viewer {
  private sent: number;
  private acked: number;
  private waitingForDrain = false;
  private paused = false;
  private stalled = false;
  private endedNotified = false;
  private pumped = false;
  private closed = false;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly source: ViewerSource,
    private readonly sink: ViewerSink,
    private readonly options: ViewerOptions,
    from: number,
    readonly streamId: string = source.id,
  ) {
    this.sent = from;
    this.acked = from;
  }

  get sessionId(): string {
    return this.source.id;
  }

  get sentOffset(): number {
    return this.sent;
  }

  stats(): ViewerStats {
    return {
      clientId: this.sink.clientId,
      sessionId: this.source.id,
      streamId: this.streamId,
      sentOffset: this.sent,
      ackedOffset: this.acked,
      bufferedBytes: this.sink.bufferedBytes(),
      paused: this.paused,
      stalled: this.stalled,
    };
  }

  /** Before anything was sent: the client was given a screen standing for `offset`, so the stream begins there. */
  startAt(offset: number): void {
    if (this.pumped || offset < this.sent) throw new Error(`viewer ${this.streamId} cannot start at ${offset} after sending to ${this.sent}`);
    this.sent = offset;
    this.acked = offset;
  }

  /** Sends whatever the window and the stream allow; called on new output, acks and drains. */
  pump(): void {
    if (this.closed || this.waitingForDrain) return;
    this.pumped = true;
    for (;;) {
      const window = this.options.highWatermark - (this.sent - this.acked);
      if (window <= 0) return this.setPaused(true);
      if (this.sent >= this.source.endOffset) {
        if (this.source.ended && !this.endedNotified && this.sent === this.source.endOffset) {
          this.endedNotified = true;
          this.notify('ended');
        }
        return;
      }
      const chunks = this.source.read(this.sent);
      if (chunks.length === 0) return;
      let budget = window;
      for (const chunk of chunks) {
        // Offsets prove there is no gap: a cursor the journal has cut past never gets later bytes instead.
        if (chunk.offset !== this.sent) {
          this.close();
          return this.sink.fellBehind(this);
        }
        let data = chunk.data;
        while (data.length > 0 && budget > 0) {
          const part = data.subarray(0, Math.min(data.length, budget, MAX_OUTPUT_FRAME_DATA));
          const accepted = this.sink.sendOutput(this.streamId, this.sent, part);
          this.sent += part.length;
          budget -= part.length;
          data = data.subarray(part.length);
          this.armStallTimer();
          if (!accepted) {
            this.waitingForDrain = true;
            this.sink.onceDrained(() => {
              this.waitingForDrain = false;
              this.pump();
            });
            return;
          }
        }
        if (budget <= 0) break;
      }
    }
  }

  /** Returns false for an ack outside what was sent (a confused or hostile client). */
  ack(offset: number): boolean {
    if (offset < this.acked || offset > this.sent) return false;
    if (offset === this.acked) return true;
    this.acked = offset;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.armStallTimer();
    if (this.stalled || this.paused) {
      this.stalled = false;
      this.paused = false;
      this.notify('resumed');
    }
    this.pump();
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.stallTimer);
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) this.notify('paused');
  }

  private armStallTimer(): void {
    if (this.stallTimer || this.sent === this.acked) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.closed || this.sent === this.acked || this.stalled) return;
      this.stalled = true;
      this.notify('stalled');
    }, this.options.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private notify(state: ViewerEvent['state']): void {
    this.sink.notify({ sessionId: this.source.id, streamId: this.streamId, state, sentOffset: this.sent, ackedOffset: this.acked });
  }
}
