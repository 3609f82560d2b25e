import type { ScreenSnapshot, SessionInfo } from '../../common/protocol/session';
import type { Journal } from '../journal/journal';
import { Screen } from './screen';
import { SLEEP_AFTER_QUIET_MS } from './screenSleep';

/** A screen put to sleep: what the session still asks of it without waking it. */
interface SleepingScreen {
  snapshot: ScreenSnapshot;
  /** The same screen without its scrollback, for attaches that draw the visible rows first. */
  visible: ScreenSnapshot;
  cursorLine: string;
  bracketedPaste: boolean;
}

/**
 * A session's screen and its copies in the journal: the live headless terminal while the program prints,
 * a checkpoint every retention/4 bytes (where the retention cut may fall), and the `last` screen, saved
 * when output pauses (the terminal then sleeps until the next output), at exit and at daemon stop, so a
 * session outliving its process still shows what it showed. After a crash mid-output the screen is rebuilt
 * from the latest checkpoint (at most retention/4 bytes).
 */
export class SessionScreen {
  private live: Screen | undefined;
  private sleeping: SleepingScreen | undefined;
  private lastCheckpoint: number;
  private closed = false;

  constructor(
    private readonly journal: Journal,
    private readonly info: () => SessionInfo,
    private readonly checkpointEvery: number,
    live: boolean,
  ) {
    const { cols, rows, retainedFrom } = info();
    this.lastCheckpoint = retainedFrom;
    if (live) this.live = new Screen(cols, rows);
  }

  /** Text of the cursor's line up to the cursor (for prompt detection); empty without a live screen. */
  cursorLineText(): string {
    return this.sleeping?.cursorLine ?? this.live?.cursorLineText() ?? '';
  }

  bracketedPasteMode(): boolean {
    return this.sleeping?.bracketedPaste ?? this.live?.bracketedPasteMode() ?? false;
  }

  /** Follows the journal: `batch` was just committed at the session's previous end. */
  feed(batch: Uint8Array): void {
    this.wake();
    this.live?.feed(batch, (offset) => this.parsed(offset));
  }

  resize(cols: number, rows: number): void {
    this.wake();
    this.live?.resize(cols, rows);
  }

  /** Once output paused (and everything fed is parsed), stores the screen as the last screen and lets the terminal go. */
  sleepIfQuiet(now: number, lastOutputAt: number | null): void {
    const live = this.live;
    if (!live || this.closed || lastOutputAt === null || now - lastOutputAt < SLEEP_AFTER_QUIET_MS || !live.idle) return;
    const snapshot = live.serializeNow();
    this.journal.saveScreen(this.info().id, 'last', snapshot);
    this.sleeping = { snapshot, visible: live.serializeNow(false), cursorLine: live.cursorLineText(), bracketedPaste: live.bracketedPasteMode() };
    live.dispose();
    this.live = undefined;
  }

  /** Stores the live screen as the last screen (a sleeping one is stored already). */
  async persist(): Promise<void> {
    if (!this.live) return;
    const snapshot = await this.live.snapshot();
    // Removed or disposed meanwhile: the session's rows are gone and must not come back.
    if (this.closed) return;
    this.journal.saveScreen(this.info().id, 'last', snapshot);
  }

  /** The program ended: the last screen is stored and the live terminal let go. */
  async retire(): Promise<void> {
    await this.persist();
    this.dispose();
  }

  /**
   * The screen that stands for all output before its offset: the live headless terminal, or for an
   * ended session the stored last screen, rebuilt from the journal if the store is behind.
   */
  async snapshot(): Promise<ScreenSnapshot> {
    if (this.sleeping) return this.sleeping.snapshot;
    if (this.live) return this.live.snapshot();
    const info = this.info();
    const last = this.journal.screen(info.id, 'last');
    if (last && last.offset === info.endOffset) return last;
    return this.rebuild();
  }

  /**
   * The visible rows of the screen snapshot() would give, when they come cheap (the screen is live or asleep); null
   * for a screen only stored whole (an ended session's), which is sent whole.
   */
  async visibleSnapshot(): Promise<ScreenSnapshot | null> {
    if (this.sleeping) return this.sleeping.visible;
    if (this.live) return this.live.snapshot(false);
    return null;
  }

  /** The screen at the retention cut, standing for everything before retainedFrom. */
  cutSnapshot(): ScreenSnapshot | null {
    const info = this.info();
    if (info.retainedFrom === 0) return null;
    return this.journal.checkpointAt(info.id, info.retainedFrom);
  }

  dispose(): void {
    this.live?.dispose();
    this.live = undefined;
    this.sleeping = undefined;
  }

  /** No more writes to the journal for this session (it is being removed or the daemon stops). */
  close(): void {
    this.closed = true;
    this.dispose();
  }

  /** A sleeping screen comes back as the terminal its snapshot restores, at the offset it stands for. */
  private wake(): void {
    if (!this.sleeping) return;
    const { snapshot } = this.sleeping;
    this.sleeping = undefined;
    this.live = new Screen(snapshot.cols, snapshot.rows, snapshot.offset);
    this.live.feed(snapshot.data);
  }

  /** Called with the headless screen exactly at `offset` (a batch boundary): maybe store a cut candidate. */
  private parsed(offset: number): void {
    if (!this.live || this.closed || offset - this.lastCheckpoint < this.checkpointEvery) return;
    this.lastCheckpoint = offset;
    this.journal.saveScreen(this.info().id, 'checkpoint', this.live.serializeNow());
  }

  /** The screen at the session's end: the latest checkpoint (or the start of the journal) and the output after it. */
  private async rebuild(): Promise<ScreenSnapshot> {
    const info = this.info();
    const base = this.journal.screen(info.id, 'checkpoint');
    const start = base?.offset ?? info.retainedFrom;
    const screen = new Screen(base?.cols ?? info.cols, base?.rows ?? info.rows, start);
    try {
      if (base) screen.feed(base.data);
      let from = start;
      while (from < info.endOffset) {
        const chunks = this.journal.read(info.id, from, 64);
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
