import type { ScreenSnapshot, SessionInfo } from '../../common/protocol/session';
import type { Journal } from '../journal/journal';
import { Screen } from './screen';

const LAST_SCREEN_EVERY_MS = 5000;

/**
 * A session's screen and its copies in the journal: the live headless terminal while the program runs,
 * a checkpoint every retention/4 bytes (where the retention cut may fall), and the `last` screen, saved
 * every few seconds when it changed, at exit and at daemon stop, so a session outliving its process still
 * shows what it showed.
 */
export class SessionScreen {
  private live: Screen | undefined;
  private lastCheckpoint: number;
  private lastSaved = -1;
  private lastSavedAt = 0;
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
    return this.live?.cursorLineText() ?? '';
  }

  bracketedPasteMode(): boolean {
    return this.live?.bracketedPasteMode() ?? false;
  }

  /** Follows the journal: `batch` was just committed at the session's previous end. */
  feed(batch: Uint8Array): void {
    this.live?.feed(batch, (offset) => this.parsed(offset));
  }

  resize(cols: number, rows: number): void {
    this.live?.resize(cols, rows);
  }

  /** The periodic save of the last screen, when it changed. */
  saveIfDue(now: number): void {
    if (!this.live || this.live.parsedOffset === this.lastSaved || now - this.lastSavedAt < LAST_SCREEN_EVERY_MS) return;
    this.lastSavedAt = now;
    void this.persist();
  }

  /** Stores the live screen as the last screen. */
  async persist(): Promise<void> {
    if (!this.live) return;
    const snapshot = await this.live.snapshot();
    // Removed or disposed meanwhile: the session's rows are gone and must not come back.
    if (this.closed) return;
    this.journal.saveScreen(this.info().id, 'last', snapshot);
    this.lastSaved = snapshot.offset;
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
    if (this.live) return this.live.snapshot();
    const info = this.info();
    const last = this.journal.screen(info.id, 'last');
    if (last && last.offset === info.endOffset) return last;
    return this.rebuild();
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
  }

  /** No more writes to the journal for this session (it is being removed or the daemon stops). */
  close(): void {
    this.closed = true;
    this.dispose();
  }

  /** Called with the headless screen exactly at `offset` (a batch boundary): maybe store a cut candidate. */
  private parsed(offset: number): void {
    if (!this.live || this.closed || offset - this.lastCheckpoint < this.checkpointEvery) return;
    this.lastCheckpoint = offset;
    this.journal.saveScreen(this.info().id, 'checkpoint', this.live.serializeNow());
  }

  private async rebuild(): Promise<ScreenSnapshot> {
    const info = this.info();
    const cut = this.cutSnapshot();
    const screen = new Screen(cut?.cols ?? info.cols, cut?.rows ?? info.rows, info.retainedFrom);
    try {
      if (cut) screen.feed(cut.data);
      let from = info.retainedFrom;
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
