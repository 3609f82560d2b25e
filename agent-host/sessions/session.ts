import { constants } from 'node:os';
import * as pty from 'node-pty';
import { Emitter } from '../../common/events';
import type { SessionEvent } from '../../common/protocol/methods';
import type { ScreenSnapshot, SessionInfo, SessionStatus, Signal } from '../../common/protocol/session';
import type { Journal, OutputChunk } from '../journal/journal';
import { OutputBatcher } from '../journal/outputBatcher';
import type { StatusDetector } from '../status/detector';
import { foregroundBlockedOnTtyRead, foregroundGroup } from '../status/ttyWait';
import type { Viewer, ViewerSource } from '../viewers/viewer';
import { drainBeforeExit } from './ptyDrain';
import { RecentOutput } from './recentOutput';
import { typingIsHidden } from './ttyModes';
import { Screen } from './screen';

export interface SessionLimits {
  retentionBytes: number;
}

export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

const STATUS_TICK_MS = 200;
const LAST_SCREEN_EVERY_MS = 5000;
const KILL_GRACE_MS = 3000;
const RECENT_OUTPUT_BYTES = 1024 * 1024;
/** After this long without output the in-memory tail is dropped; a late reader gets it from the journal. */
const RECENT_OUTPUT_KEEP_MS = 2000;
const READ_CHUNKS = 16;

/**
 * One PTY session: the journal is its truth (every batch is committed before anyone sees it), the
 * headless screen follows the journal, and viewers are cursors that read the journal at their own pace.
 * A session loaded from a previous daemon run has no PTY and only serves its stored output.
 */
export class Session implements ViewerSource {
  readonly events = new Emitter<SessionEvent['type']>();
  /** Viewers that fell behind the retention cut; the owner detaches them. */
  readonly laggingViewers = new Emitter<Viewer>();
  private readonly viewers = new Set<Viewer>();
  private readonly recent = new RecentOutput(RECENT_OUTPUT_BYTES);
  private disposed = false;
  private hiddenTyping = false;
  private probingTerminal = false;
  private process: pty.IPty | undefined;
  private screen: Screen | undefined;
  private batcher: OutputBatcher | undefined;
  private lastOutputAt: number | null = null;
  private lastCheckpoint: number;
  private lastScreenSaved = -1;
  private lastScreenSavedAt = 0;
  private statusTimer: ReturnType<typeof setInterval> | undefined;
  private killTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private info: SessionInfo,
    private readonly journal: Journal,
    private readonly limits: SessionLimits,
    private readonly detector: StatusDetector | undefined,
  ) {
    this.lastCheckpoint = info.retainedFrom;
  }

  static spawn(info: SessionInfo, spec: SpawnSpec, journal: Journal, limits: SessionLimits, detector: StatusDetector): Session {
    const session = new Session(info, journal, limits, detector);
    session.process = pty.spawn(spec.file, spec.args, {
      name: spec.env.TERM ?? 'xterm-256color',
      cols: info.cols,
      rows: info.rows,
      cwd: spec.cwd,
      env: spec.env,
      encoding: null,
    });
    drainBeforeExit(session.process);
    session.info = { ...info, pid: session.process.pid };
    journal.createSession(session.info);
    session.screen = new Screen(info.cols, info.rows);
    session.batcher = new OutputBatcher((batch) => session.append(batch));
    const terminal = session.process;
    terminal.onData((data: string | Buffer) => {
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      session.batcher?.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
    terminal.onExit(({ exitCode, signal }) => session.exited(exitCode, signal));
    session.statusTimer = setInterval(() => session.tick(), STATUS_TICK_MS);
    return session;
  }

  /** A session from the journal whose process is gone (it ended, or died with the previous daemon). */
  static restore(info: SessionInfo, journal: Journal, limits: SessionLimits): Session {
    return new Session(info, journal, limits, undefined);
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

  /** The program asked for hidden input (a password prompt) when it last waited for input. */
  get typingHidden(): boolean {
    return this.hiddenTyping;
  }

  get running(): boolean {
    return this.process !== undefined && !this.ended;
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
    this.process?.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  resize(cols: number, rows: number): void {
    if (!this.process || this.ended) return;
    this.process.resize(cols, rows);
    this.screen?.resize(cols, rows);
    this.info = { ...this.info, cols, rows };
    this.journal.updateSession(this.info);
    this.events.emit('resized');
  }

  /** Signals the session's process group and, if another group holds the terminal, that one too. */
  signal(signal: Signal): void {
    const pid = this.process?.pid;
    if (!pid || this.ended) return;
    for (const group of new Set([pid, foregroundGroup(pid)])) {
      if (!group) continue;
      try {
        process.kill(-group, signal);
      } catch {
        // The group may already be gone.
      }
    }
  }

  kill(): void {
    if (!this.process || this.ended) return;
    this.signal('SIGHUP');
    this.killTimer ??= setTimeout(() => this.signal('SIGKILL'), KILL_GRACE_MS);
    this.killTimer.unref();
  }

  /**
   * The screen that stands for all output before its offset: the live headless terminal, or for an
   * ended session the stored last screen, rebuilt from the journal if the store is behind.
   */
  async screenSnapshot(): Promise<ScreenSnapshot> {
    if (this.screen) return this.screen.snapshot();
    const last = this.journal.screen(this.info.id, 'last');
    if (last && last.offset === this.info.endOffset) return last;
    return this.rebuildScreen();
  }

  /** The screen at the retention cut, standing for everything before retainedFrom. */
  cutSnapshot(): ScreenSnapshot | null {
    if (this.info.retainedFrom === 0) return null;
    return this.journal.checkpointAt(this.info.id, this.info.retainedFrom);
  }

  /** Marks a session found running in the journal of a dead daemon. */
  markInterrupted(): void {
    this.info = { ...this.info, status: 'interrupted', pid: null, endedAt: this.info.endedAt ?? Date.now() };
    this.journal.updateSession(this.info);
  }

  /** Persists the screen before the daemon goes away. */
  async persistScreen(): Promise<void> {
    if (!this.screen) return;
    const snapshot = await this.screen.snapshot();
    this.journal.saveScreen(this.info.id, 'last', snapshot);
    this.lastScreenSaved = snapshot.offset;
  }

  dispose(): void {
    this.batcher?.flush();
    this.batcher = undefined;
    this.disposed = true;
    clearInterval(this.statusTimer);
    clearTimeout(this.killTimer);
    for (const viewer of this.viewers) viewer.close();
    this.viewers.clear();
    this.screen?.dispose();
    this.screen = undefined;
  }

  private append(batch: Uint8Array): void {
    if (this.disposed) return;
    const offset = this.info.endOffset;
    this.journal.append(this.info.id, offset, batch);
    this.info.endOffset = offset + batch.length;
    this.recent.push({ offset, data: batch });
    this.lastOutputAt = Date.now();
    this.screen?.feed(batch, (parsed) => this.parsed(parsed));
    for (const viewer of this.viewers) viewer.pump();
    // After the output frames of this turn have left (they are flushed on nextTick): status work never delays an echo.
    if (this.info.status !== 'working' && !this.ended) queueMicrotask(() => this.tick());
    this.enforceRetention();
  }

  /** Called with the headless screen exactly at `offset` (a batch boundary): maybe store a cut candidate. */
  private parsed(offset: number): void {
    if (!this.screen || offset - this.lastCheckpoint < this.limits.retentionBytes / 4) return;
    this.lastCheckpoint = offset;
    this.journal.saveScreen(this.info.id, 'checkpoint', this.screen.serializeNow());
  }

  private enforceRetention(): void {
    const { endOffset, retainedFrom } = this.info;
    if (endOffset - retainedFrom <= this.limits.retentionBytes) return;
    const cut = this.journal.checkpointFrom(this.info.id, endOffset - this.limits.retentionBytes);
    if (cut === null || cut <= retainedFrom) return;
    // A viewer still reading below the cut would lose bytes; keep them unless it lags far too long.
    const slowest = Math.min(...[...this.viewers].map((viewer) => viewer.sentOffset), cut);
    if (slowest < cut && endOffset - slowest <= 2 * this.limits.retentionBytes) return;
    for (const viewer of this.viewers) {
      if (viewer.sentOffset < cut) this.laggingViewers.emit(viewer);
    }
    this.journal.trim(this.info.id, cut);
    this.info.retainedFrom = cut;
  }

  private tick(): void {
    if (!this.detector || this.ended || this.disposed) return;
    const pid = this.process?.pid;
    const screen = this.screen;
    const status = this.detector.detect({
      now: Date.now(),
      startedAt: this.info.createdAt,
      lastOutputAt: this.lastOutputAt,
      cursorLine: () => screen?.cursorLineText() ?? '',
      blockedOnTtyRead: () => (pid ? foregroundBlockedOnTtyRead(pid) : false),
    });
    this.setStatus(status);
    const now = Date.now();
    if (this.lastOutputAt !== null && now - this.lastOutputAt > RECENT_OUTPUT_KEEP_MS) this.recent.clear();
    if (this.screen && this.screen.parsedOffset !== this.lastScreenSaved && now - this.lastScreenSavedAt >= LAST_SCREEN_EVERY_MS) {
      this.lastScreenSavedAt = now;
      void this.persistScreen();
    }
  }

  private setStatus(status: SessionStatus): void {
    if (this.info.status === status || this.probingTerminal) return;
    const path = (this.process as unknown as { _pty?: string } | undefined)?._pty;
    if (status !== 'waiting-for-input' || !path) return this.applyStatus(status);
    // Learn whether it waits for a password before anyone is told it waits, so typing is audited right.
    this.probingTerminal = true;
    void typingIsHidden(path).then((hidden) => {
      this.probingTerminal = false;
      this.hiddenTyping = hidden;
      if (!this.ended && !this.disposed) this.applyStatus(status);
    });
  }

  private applyStatus(status: SessionStatus): void {
    this.info = { ...this.info, status };
    this.journal.updateSession(this.info);
    this.events.emit('status');
  }

  private exited(exitCode: number, signal: number | undefined): void {
    // Let the last reads land in the journal before the session is declared over.
    setTimeout(() => {
      if (this.disposed) return;
      this.batcher?.flush();
      clearInterval(this.statusTimer);
      clearTimeout(this.killTimer);
      this.info = {
        ...this.info,
        status: 'exited',
        exitCode: signal ? null : exitCode,
        exitSignal: signal ? signalName(signal) : null,
        endedAt: Date.now(),
      };
      this.journal.updateSession(this.info);
      void this.persistScreen().then(() => {
        this.screen?.dispose();
        this.screen = undefined;
      });
      this.events.emit('exited');
      for (const viewer of this.viewers) viewer.pump();
      setTimeout(() => this.recent.clear(), RECENT_OUTPUT_KEEP_MS).unref();
    }, 50);
  }

  private async rebuildScreen(): Promise<ScreenSnapshot> {
    const cut = this.cutSnapshot();
    const screen = new Screen(cut?.cols ?? this.info.cols, cut?.rows ?? this.info.rows, this.info.retainedFrom);
    try {
      if (cut) screen.feed(cut.data);
      let from = this.info.retainedFrom;
      while (from < this.info.endOffset) {
        const chunks = this.journal.read(this.info.id, from, 64);
        if (chunks.length === 0) break;
        for (const chunk of chunks) {
          screen.feed(chunk.data);
          from = chunk.offset + chunk.data.length;
        }
      }
      return await screen.snapshot();
    } finally {
      screen.dispose();
    }
  }
}

function signalName(signal: number): string {
  const entry = Object.entries(constants.signals as Record<string, number>).find(([, n]) => n === signal);
  return entry?.[0] ?? String(signal);
}
