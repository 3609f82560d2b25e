import { terminalKey, type TerminalInputRefused, type TerminalReattached, type TerminalScrollback } from '../../common/app/api';
import type { Unsubscribe } from '../../common/events';
import type { AttachResult, ViewerEvent } from '../../common/protocol/methods';
import type { ScreenSnapshot } from '../../common/protocol/session';
import { LocalError, errorMessage } from '../../common/wire/errors';
import type { OutputFrame } from '../../common/wire/peer';
import { backoffDelay } from '../fleet/backoff';
import { debug } from '../fleet/debug';
import type { HostConnection } from '../fleet/hostConnection';
import type { Lane } from '../fleet/lane';
import { AckBatcher } from './ackBatcher';

export type TerminalViewerEvent = ViewerEvent | TerminalReattached | TerminalScrollback | TerminalInputRefused;

export interface TerminalSink {
  output(key: string, offset: number, data: Uint8Array): void;
  /** 'reattached' and 'scrollback' come before the first OUTPUT of the stream they place, so their snapshot is drawn first. */
  viewer(host: string, event: TerminalViewerEvent): void;
  error?(host: string, sessionId: string, error: Error): void;
}

/** Keystrokes kept per terminal while its host is away; past this the whole burst is refused, never cut in two. */
export const TYPED_AHEAD_LIMIT_BYTES = 64 * 1024;

interface Viewer {
  /** The next byte offset the consumer expects: everything before it was delivered, exactly once. */
  next: number;
  /** While an attach is in flight, frames wait here (they may overtake the attach result). */
  held: OutputFrame[] | null;
  /** The whole screen after a screenFirst attach, when it overtook the attach result (it precedes every frame). */
  heldScrollback: ScreenSnapshot | null;
  /** A screenFirst attach answered with the visible rows and its whole screen has not come yet. */
  scrollbackPending: boolean;
  /** Keystrokes typed while there was no stream to put them on (see flushTypedAhead for when they are sent). */
  typedAhead: Uint8Array[];
  typedBytes: number;
}

let lanes = 0;

/**
 * The terminals one UI client views on one host. Every client's views ride the host's one control lane (one SSH
 * exec channel per host, whatever the number of windows): each view is a stream of its own on the host, named
 * `<lane>.<session>`, with its own flow control. OUTPUT frames are checked to be contiguous (duplicates dropped,
 * a gap re-attaches); after a reconnect every viewer re-attaches from the first byte it has not delivered, so
 * the consumer sees each byte exactly once.
 */
export class TerminalLane {
  private readonly prefix = `t${++lanes}.`;
  private lane: Lane | null = null;
  private opening: Promise<Lane> | null = null;
  private readonly viewers = new Map<string, Viewer>();
  private readonly unsubscribe: Unsubscribe[];
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private laneListeners: Unsubscribe[] = [];
  private readonly acks = new AckBatcher((acks) => this.liveLane()?.peer.sendAcks(acks));

  constructor(
    private readonly host: HostConnection,
    private readonly sink: TerminalSink,
  ) {
    this.unsubscribe = [
      host.onConnected(() => {
        this.dropLane();
        this.reattachAll();
      }),
      // From here until the re-attach, keystrokes wait in typedAhead instead of going down a dead channel.
      host.onDropped(() => this.dropLane()),
    ];
  }

  get isEmpty(): boolean {
    return this.viewers.size === 0;
  }

  /** screenFirst: the consumer draws the visible rows first and handles the 'scrollback' event that follows. */
  async attach(sessionId: string, fromOffset: number | null, screenFirst = false): Promise<AttachResult> {
    const viewer: Viewer = { next: 0, held: [], heldScrollback: null, scrollbackPending: false, typedAhead: [], typedBytes: 0 };
    this.viewers.set(sessionId, viewer);
    try {
      // Typed before the first screen arrived: the consumer sent it blind on purpose (a UI's type-ahead), so it goes.
      return await this.attachViewer(sessionId, viewer, fromOffset, screenFirst, (lane) => this.flushTypedAhead(sessionId, viewer, lane, null));
    } catch (error) {
      if (this.viewers.get(sessionId) === viewer) {
        this.viewers.delete(sessionId);
        this.acks.end(this.streamId(sessionId));
      }
      throw error;
    }
  }

  async detach(sessionId: string): Promise<void> {
    if (!this.viewers.delete(sessionId)) return;
    this.acks.end(this.streamId(sessionId));
    await this.lane?.peer.request('session.detach', { sessionId, streamId: this.streamId(sessionId) }).catch(() => undefined);
  }

  input(sessionId: string, data: Uint8Array): void {
    const viewer = this.viewers.get(sessionId);
    const lane = this.liveLane();
    if (lane && viewer && !viewer.held) {
      lane.peer.sendInput(this.streamId(sessionId), data);
      return;
    }
    if (!viewer) return;
    if (viewer.typedBytes + data.length > TYPED_AHEAD_LIMIT_BYTES) {
      this.refuseTypedAhead(sessionId, viewer, data.length, `more than ${TYPED_AHEAD_LIMIT_BYTES} bytes typed while ${this.host.name} was unreachable`);
      return;
    }
    viewer.typedAhead.push(data.slice());
    viewer.typedBytes += data.length;
    debug(`${this.host.name}/${sessionId}: holding ${viewer.typedBytes} typed bytes until re-attached`);
  }

  /** A terminal's automatic answer to a query: only meaningful now, so it is dropped while the stream is not live. */
  reply(sessionId: string, data: Uint8Array): void {
    const viewer = this.viewers.get(sessionId);
    const lane = this.liveLane();
    if (lane && viewer && !viewer.held) lane.peer.sendReply(this.streamId(sessionId), data);
  }

  ack(sessionId: string, offset: number): void {
    if (this.viewers.has(sessionId)) this.acks.ack(this.streamId(sessionId), offset);
  }

  async resize(sessionId: string, cols: number, rows: number): Promise<void> {
    await (await this.host.lane()).peer.request('session.resize', { sessionId, cols, rows });
  }

  close(): void {
    this.closed = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // The lane is the host's and lives on: stop the host streaming to views nobody reads.
    const lane = this.liveLane();
    for (const sessionId of this.viewers.keys()) {
      void lane?.peer.request('session.detach', { sessionId, streamId: this.streamId(sessionId) }).catch(() => undefined);
    }
    this.viewers.clear();
    this.dropLane();
  }

  private streamId(sessionId: string): string {
    return `${this.prefix}${sessionId}`;
  }

  /** The session a stream id of this lane names, or null for another lane's stream. */
  private sessionOf(streamId: string): string | null {
    return streamId.startsWith(this.prefix) ? streamId.slice(this.prefix.length) : null;
  }

  private liveLane(): Lane | null {
    return this.lane && !this.lane.peer.isClosed ? this.lane : null;
  }

  private async attachViewer(
    sessionId: string,
    viewer: Viewer,
    fromOffset: number | null,
    screenFirst: boolean,
    beforeStream: (lane: Lane, result: AttachResult) => void,
  ): Promise<AttachResult> {
    viewer.held ??= [];
    viewer.heldScrollback = null;
    const lane = await this.ensureLane();
    const result = await lane.peer.request('session.attach', { sessionId, fromOffset, streamId: this.streamId(sessionId), screenFirst });
    viewer.next = result.streamFrom;
    this.acks.begin(this.streamId(sessionId), result.streamFrom, lane.hello.highWatermark);
    viewer.scrollbackPending = result.scrollbackFollows === true;
    beforeStream(lane, result);
    const held = viewer.held ?? [];
    const scrollback = viewer.heldScrollback;
    viewer.held = null;
    viewer.heldScrollback = null;
    // The consumer gets the result after this returns, so it may see the event first: it holds it as it holds output.
    if (scrollback) this.scrollback(sessionId, viewer, scrollback);
    for (const frame of held) this.accept(sessionId, viewer, frame);
    return result;
  }

  /**
   * The whole screen of a screenFirst attach; the stream goes on from its offset. One older than what the consumer
   * already has is a previous attach's (the consumer attached again meanwhile), never this stream's: dropped.
   */
  private scrollback(sessionId: string, viewer: Viewer, snapshot: ScreenSnapshot): void {
    if (snapshot.offset < viewer.next) return;
    viewer.next = snapshot.offset;
    viewer.scrollbackPending = false;
    this.sink.viewer(this.host.name, { sessionId, state: 'scrollback', snapshot });
  }

  private ensureLane(): Promise<Lane> {
    const live = this.liveLane();
    if (live) return Promise.resolve(live);
    this.opening ??= this.host
      .lane()
      .then((lane) => {
        if (this.closed) throw new LocalError('transport-closed', 'terminal lane closed');
        this.lane = lane;
        this.laneListeners = [
          lane.peer.onOutput((frame) => this.onOutput(frame)),
          lane.peer.onNotification('session.viewer', (event) => {
            if (this.sessionOf(event.streamId) !== null) this.sink.viewer(this.host.name, event);
          }),
          lane.peer.onNotification('session.scrollback', (event) => {
            const sessionId = this.sessionOf(event.streamId);
            const viewer = sessionId === null ? undefined : this.viewers.get(sessionId);
            if (!viewer || sessionId === null) return;
            if (viewer.held) viewer.heldScrollback = event.snapshot;
            else this.scrollback(sessionId, viewer, event.snapshot);
          }),
          lane.peer.onNotification('session.detached', (event) => {
            if (this.sessionOf(event.streamId) !== null) this.hostDetached(event.sessionId, event.reason);
          }),
        ];
        return lane;
      })
      .finally(() => {
        this.opening = null;
      });
    return this.opening;
  }

  private onOutput(frame: OutputFrame): void {
    const sessionId = this.sessionOf(frame.sessionId);
    const viewer = sessionId === null ? undefined : this.viewers.get(sessionId);
    if (!viewer || sessionId === null) return;
    if (viewer.held) {
      viewer.held.push(frame);
      return;
    }
    this.accept(sessionId, viewer, frame);
  }

  private accept(sessionId: string, viewer: Viewer, frame: OutputFrame): void {
    const end = frame.offset + frame.data.length;
    if (end <= viewer.next) return;
    if (frame.offset > viewer.next) {
      const gap = new LocalError('offset-gap', `output of ${sessionId} jumped from ${viewer.next} to ${frame.offset}`, {
        expected: viewer.next,
        got: frame.offset,
      });
      this.sink.error?.(this.host.name, sessionId, gap);
      void this.reattach(sessionId, viewer);
      return;
    }
    const data = frame.offset === viewer.next ? frame.data : frame.data.subarray(viewer.next - frame.offset);
    const offset = viewer.next;
    viewer.next = end;
    this.sink.output(terminalKey(this.host.name, sessionId), offset, data);
  }

  /** The host dropped our view (we fell behind its window, or the session is gone): resume from where we are. */
  private hostDetached(sessionId: string, reason: string): void {
    const viewer = this.viewers.get(sessionId);
    if (!viewer) return;
    if (reason === 'removed') {
      this.viewers.delete(sessionId);
      this.acks.end(this.streamId(sessionId));
      return;
    }
    void this.reattach(sessionId, viewer);
  }

  private reattachAll(): void {
    for (const [sessionId, viewer] of this.viewers) void this.reattach(sessionId, viewer);
  }

  private async reattach(sessionId: string, viewer: Viewer): Promise<void> {
    if (viewer.held) return;
    const seen = viewer.next;
    try {
      // The lane dropped between a screenFirst answer and its whole screen: ask for the whole screen now (nothing of the
      // stream was shown yet, so it replaces only the visible rows).
      await this.attachViewer(sessionId, viewer, viewer.scrollbackPending ? null : seen, false, (lane, result) => {
        // First, before any resumed OUTPUT: a snapshot (the host cut output we had not seen) must be drawn before the stream.
        this.sink.viewer(this.host.name, { sessionId, state: 'reattached', streamFrom: result.streamFrom, snapshot: result.snapshot });
        this.flushTypedAhead(sessionId, viewer, lane, { seen, result });
      });
      this.failures = 0;
    } catch (error) {
      viewer.held = null;
      this.sink.error?.(this.host.name, sessionId, error instanceof Error ? error : new Error(errorMessage(error)));
      this.retryLater();
    }
  }

  /**
   * Keystrokes typed while the host was away are sent only when they still mean what the typist meant: after a
   * reconnect, when the session printed nothing the typist had not seen (the screen they typed at is the screen the
   * session is at). Otherwise they could answer a different prompt than the one on screen ("y" to a new question,
   * a command into an editor), so they are refused and the consumer is told, with the byte count, to type again.
   */
  private flushTypedAhead(sessionId: string, viewer: Viewer, lane: Lane, resumed: { seen: number; result: AttachResult } | null): void {
    if (viewer.typedAhead.length === 0) return;
    const session = resumed?.result.session;
    if (session && session.status === 'exited') {
      this.refuseTypedAhead(sessionId, viewer, 0, 'the session ended while the host was unreachable');
      return;
    }
    if (resumed && session && session.endOffset !== resumed.seen) {
      this.refuseTypedAhead(
        sessionId,
        viewer,
        0,
        `the session printed ${session.endOffset - resumed.seen} bytes you had not seen while ${this.host.name} was unreachable`,
      );
      return;
    }
    const typed = viewer.typedAhead;
    debug(`${this.host.name}/${sessionId}: sending ${viewer.typedBytes} bytes typed while away`);
    viewer.typedAhead = [];
    viewer.typedBytes = 0;
    for (const data of typed) lane.peer.sendInput(this.streamId(sessionId), data);
  }

  private refuseTypedAhead(sessionId: string, viewer: Viewer, extraBytes: number, reason: string): void {
    const bytes = viewer.typedBytes + extraBytes;
    debug(`${this.host.name}/${sessionId}: refusing ${bytes} typed bytes: ${reason}`);
    viewer.typedAhead = [];
    viewer.typedBytes = 0;
    this.sink.viewer(this.host.name, { sessionId, state: 'input-refused', bytes, reason });
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer) return;
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.host.connected) this.reattachAll();
    }, backoffDelay(this.failures));
  }

  /** Forgets the lane (it dropped, or a new one replaced it); the host owns and closes it. */
  private dropLane(): void {
    this.lane = null;
    this.acks.clear();
    for (const unsubscribe of this.laneListeners.splice(0)) unsubscribe();
  }
}
