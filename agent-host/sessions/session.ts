import { Emitter, type ListenerErrorHandler } from '../../common/events';
import type { SessionEvent } from '../../common/protocol/methods';
import type { ScreenSnapshot, SessionInfo, SessionStatus, Signal } from '../../common/protocol/session';
import type { Journal, OutputChunk } from '../journal/journal';
import { OutputBatcher } from '../journal/outputBatcher';
import type { OutputClock } from '../journal/outputClock';
import type { StatusDetector } from '../status/detector';
import type { Viewer, ViewerSource } from '../viewers/viewer';
import { enforceJournalRetention } from './journalRetention';
import { PtyProcess, type SpawnSpec } from './ptyProcess';
import { RecentOutput } from './recentOutput';
import { SessionScreen } from './sessionScreen';

export type { SpawnSpec } from './ptyProcess';

export interface SessionLimits {
  retentionBytes: number;
}

/** How often a detector without thresholds of its own is asked while output is recent. */
const STATUS_TICK_MS = 200;
/** Quiet longer than this slows the ticks (up to MAX_TICK_MS): 500 idle sessions must not poll /proc 2,500 times a second. */
const ACTIVE_TICK_WINDOW_MS = 2000;
const MAX_TICK_MS = 2000;
/** A tty-read reading stays good this long while no output came (the state can change silently, rarely). */
const TTY_READ_RECHECK_MS = 1000;
const RECENT_OUTPUT_BYTES = 1024 * 1024;
/** After this long without output the in-memory tail is dropped; a late reader gets it from the journal. */
const RECENT_OUTPUT_KEEP_MS = 2000;
/** After the exit, reads already under way still land in the journal before the session is declared over. */
const EXIT_SETTLE_MS = 50;
const READ_CHUNKS = 16;

/**
 * One PTY session: the journal is its truth (every batch is committed before anyone sees it), the
 * headless screen follows the journal, and viewers are cursors that read the journal at their own pace.
 * A session loaded from a previous daemon run has no process and only serves its stored output.
 */
export class Session implements ViewerSource {
  readonly events: Emitter<SessionEvent['type']>;
  /** Viewers that fell behind the retention cut; the owner detaches them. */
  readonly laggingViewers: Emitter<Viewer>;
  private readonly viewers = new Set<Viewer>();
  private readonly recent = new RecentOutput(RECENT_OUTPUT_BYTES);
  private readonly screen: SessionScreen;
  private disposed = false;
  private batcher: OutputBatcher | undefined;
  private lastOutputAt: number | null = null;
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the status timer fires (Date.now() time). */
  private tickAt = Infinity;
  private statusReported = false;
  private ttyRead: { outputAt: number | null; at: number; blocked: boolean } | undefined;

  private constructor(
    private info: SessionInfo,
    private readonly journal: Journal,
    private readonly limits: SessionLimits,
    /** The running program; none for a session restored from the journal. */
    private readonly process: PtyProcess | undefined,
    private readonly detector: StatusDetector | undefined,
    onListenerError: ListenerErrorHandler | undefined,
  ) {
    this.events = new Emitter({ name: `session ${info.id} events`, onListenerError });
    this.laggingViewers = new Emitter({ name: `session ${info.id} lagging viewers`, onListenerError });
    this.screen = new SessionScreen(journal, () => this.info, limits.retentionBytes / 4, process !== undefined);
  }

  static spawn(
    info: SessionInfo,
    spec: SpawnSpec,
    journal: Journal,
    limits: SessionLimits,
    outputClock: OutputClock,
    detector: StatusDetector,
    onListenerError?: ListenerErrorHandler,
  ): Session {
    const process = PtyProcess.spawn(spec, info.cols, info.rows);
    const session = new Session({ ...info, pid: process.pid }, journal, limits, process, detector, onListenerError);
    journal.createSession(session.info);
    session.batcher = new OutputBatcher((batch) => session.append(batch), { clock: outputClock });
    process.onData((bytes) => session.batcher?.push(bytes));
    process.onExit((exitCode, signal) => session.exited(exitCode, signal));
    session.scheduleTick(STATUS_TICK_MS);
    return session;
  }

  /** A session from the journal whose process is gone (it ended, or died with the previous daemon). */
  static restore(info: SessionInfo, journal: Journal, limits: SessionLimits, onListenerError?: ListenerErrorHandler): Session {
    return new Session(info, journal, limits, undefined, undefined, onListenerError);
  }

  get id(): string {
    return this.info.id;
  }

  get endOffset(): number {
    return this.info.endOffset;
  }

  get retainedFrom(): number {
    return this.info.retainedFrom;
  }

  get ended(): boolean {
    return this.info.status === 'exited' || this.info.status === 'interrupted';
  }

  get running(): boolean {
    return this.process !== undefined && !this.ended;
  }

  /**
   * Whether input written now is hidden from view (the program reads a password): taken from the terminal's
   * modes at this moment, so call it for each write, before the write. True when it cannot be known.
   */
  isTypingHidden(): boolean {
    return this.process?.typingHidden() ?? true;
  }

  /** Text pasted into the program: in bracketed-paste markers when it asked for them, so it is not read as typed keys. */
  paste(text: string): void {
    this.write(this.screen.bracketedPasteMode() ? `\x1b[200~${text}\x1b[201~` : text);
  }

  snapshotInfo(): SessionInfo {
    return { ...this.info };
  }

  read(from: number): OutputChunk[] {
    return this.recent.read(from, READ_CHUNKS) ?? this.journal.read(this.info.id, from, READ_CHUNKS);
  }

  addViewer(viewer: Viewer): void {
    this.viewers.add(viewer);
  }

  removeViewer(viewer: Viewer): void {
    this.viewers.delete(viewer);
    viewer.close();
  }

  write(data: Uint8Array | string): void {
    this.batcher?.typed();
    this.process?.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.process || this.ended) return;
    this.process.resize(cols, rows);
    this.screen.resize(cols, rows);
    this.info = { ...this.info, cols, rows };
    this.journal.updateSession(this.info);
    this.events.emit('resized');
  }

  /** Signals the session's process group and, if another group holds the terminal, that one too. */
  signal(signal: Signal): void {
    if (!this.ended) this.process?.signal(signal);
  }

  /** SIGHUP, then SIGKILL after a grace period. */
  kill(): void {
    if (!this.ended) this.process?.kill();
  }

  screenSnapshot(): Promise<ScreenSnapshot> {
    return this.screen.snapshot();
  }

  visibleScreenSnapshot(): Promise<ScreenSnapshot | null> {
    // An ended session is answered whole, also while its last screen is still being stored (retire is async).
    if (this.ended) return Promise.resolve(null);
    return this.screen.visibleSnapshot();
  }

  cutSnapshot(): ScreenSnapshot | null {
    return this.screen.cutSnapshot();
  }

  /** Marks a session found running in the journal of a dead daemon. */
  markInterrupted(): void {
    this.info = { ...this.info, status: 'interrupted', pid: null, endedAt: this.info.endedAt ?? Date.now() };
    this.journal.updateSession(this.info);
  }

  /** Persists the screen before the daemon goes away. */
  persistScreen(): Promise<void> {
    return this.screen.persist();
  }

  /** Stops everything the session does; after this it writes nothing more to the journal. */
  dispose(): void {
    this.batcher?.flush();
    this.batcher = undefined;
    this.disposed = true;
    clearTimeout(this.statusTimer);
    this.process?.dispose();
    for (const viewer of this.viewers) viewer.close();
    this.viewers.clear();
    this.screen.close();
  }

  private append(batch: Uint8Array): void {
    if (this.disposed) return;
    const offset = this.info.endOffset;
    this.journal.append(this.info.id, offset, batch);
    this.info.endOffset = offset + batch.length;
    this.recent.push({ offset, data: batch });
    const now = Date.now();
    this.lastOutputAt = now;
    this.screen.feed(batch);
    for (const viewer of this.viewers) viewer.pump();
    if (!this.ended && !this.statusReported) {
      // After the output frames of this turn have left (they are flushed on nextTick): status work never delays an echo.
      if (this.info.status !== 'working') queueMicrotask(() => this.tick());
      // A working session's next look may be far off (the end of its working window): new output, say a prompt, is
      // looked at after the detector's quiet threshold instead.
      else this.pullTickForward(now);
    }
    const cut = enforceJournalRetention(this.journal, this.info, this.limits.retentionBytes, this.viewers, (viewer) =>
      this.laggingViewers.emit(viewer),
    );
    if (cut !== null) this.info.retainedFrom = cut;
  }

  /**
   * A status the program reported itself (an agent's hooks or its own state): structured events are the truth, so
   * from now on the screen heuristics stay out.
   */
  reportStatus(status: Extract<SessionStatus, 'working' | 'waiting-for-input' | 'idle'>): void {
    if (this.ended || this.disposed) return;
    this.statusReported = true;
    this.setStatus(status);
  }

  private tick(): void {
    if (!this.detector || this.ended || this.disposed) return;
    const now = Date.now();
    if (!this.statusReported) {
      this.setStatus(
        this.detector.detect({
          now,
          startedAt: this.info.createdAt,
          lastOutputAt: this.lastOutputAt,
          cursorLine: () => this.screen.cursorLineText(),
          blockedOnTtyRead: () => this.blockedOnTtyRead(now),
        }),
      );
    }
    if (this.lastOutputAt !== null && now - this.lastOutputAt > RECENT_OUTPUT_KEEP_MS) this.recent.clear();
    this.screen.sleepIfQuiet(now, this.lastOutputAt);
    this.scheduleTick(this.nextTickDelay(now));
  }

  /**
   * While output is recent the session wakes only when something can change without new output: the detector's
   * next threshold, or the end of the active window (the recent tail goes then). Past that window it polls, slower
   * as the quiet grows, since a program may start reading the terminal silently.
   */
  private nextTickDelay(now: number): number {
    const quietSince = this.lastOutputAt ?? this.info.createdAt;
    const quietFor = now - quietSince;
    if (quietFor >= ACTIVE_TICK_WINDOW_MS) return Math.min(MAX_TICK_MS, quietFor / 5);
    const activeEnd = quietSince + ACTIVE_TICK_WINDOW_MS;
    const detector = this.statusReported ? undefined : this.detector;
    let checkAt = activeEnd;
    if (detector) checkAt = detector.nextCheckAt?.({ now, startedAt: this.info.createdAt, lastOutputAt: this.lastOutputAt }) ?? now + STATUS_TICK_MS;
    // A timer may fire a millisecond before Date.now() reaches its deadline: never schedule a zero delay in a loop.
    return Math.max(1, Math.min(checkAt, activeEnd) - now);
  }

  private scheduleTick(delayMs: number): void {
    clearTimeout(this.statusTimer);
    this.tickAt = Date.now() + delayMs;
    this.statusTimer = setTimeout(() => this.tick(), delayMs);
  }

  private pullTickForward(now: number): void {
    const delayMs = this.nextTickDelay(now);
    if (now + delayMs < this.tickAt) this.scheduleTick(delayMs);
  }

  /** Read from /proc again only after new output or a while: a steady printer is quiet most ticks between its lines. */
  private blockedOnTtyRead(now: number): boolean {
    if (!this.process) return false;
    const last = this.ttyRead;
    if (last && last.outputAt === this.lastOutputAt && now - last.at < TTY_READ_RECHECK_MS) return last.blocked;
    const blocked = this.process.blockedOnTtyRead();
    this.ttyRead = { outputAt: this.lastOutputAt, at: now, blocked };
    return blocked;
  }

  private setStatus(status: SessionStatus): void {
    if (this.info.status === status) return;
    this.info = { ...this.info, status };
    this.journal.updateSession(this.info);
    this.events.emit('status');
  }

  private exited(exitCode: number, signal: string | null): void {
    setTimeout(() => {
      if (this.disposed) return;
      this.batcher?.flush();
      clearTimeout(this.statusTimer);
      this.info = {
        ...this.info,
        status: 'exited',
        exitCode: signal ? null : exitCode,
        exitSignal: signal,
        endedAt: Date.now(),
      };
      this.journal.updateSession(this.info);
      void this.screen.retire();
      this.events.emit('exited');
      for (const viewer of this.viewers) viewer.pump();
      setTimeout(() => this.recent.clear(), RECENT_OUTPUT_KEEP_MS).unref();
    }, EXIT_SETTLE_MS);
  }
}
