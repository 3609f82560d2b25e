import { SerializeAddon } from '@xterm/addon-serialize';
import { Terminal } from '@xterm/headless';
import type { ScreenSnapshot } from '../../common/protocol/session';

const SCROLLBACK_LINES = 1000;

/**
 * A headless terminal fed with a session's output, so attaches can start from a serialized screen.
 * It tracks exactly which offset it has parsed up to (xterm parses asynchronously), so a snapshot
 * always names the offset it stands for.
 */
export class Screen {
  private readonly terminal: Terminal;
  private readonly serializer = new SerializeAddon();
  private fedOffset: number;
  private parsed: number;
  private pendingWrites = 0;
  private disposed = false;

  constructor(cols: number, rows: number, startOffset = 0) {
    this.terminal = new Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.terminal.loadAddon(this.serializer);
    this.fedOffset = startOffset;
    this.parsed = startOffset;
  }

  get parsedOffset(): number {
    return this.parsed;
  }

  /** Everything fed is parsed: the screen stands for all of it. */
  get idle(): boolean {
    return this.pendingWrites === 0;
  }

  get cols(): number {
    return this.terminal.cols;
  }

  get rows(): number {
    return this.terminal.rows;
  }

  /** Feeds bytes that follow everything fed so far; `onParsed` runs once they are on the screen. */
  feed(data: Uint8Array | string, onParsed?: (offset: number) => void): void {
    const end = this.fedOffset + (typeof data === 'string' ? 0 : data.length);
    this.fedOffset = end;
    this.pendingWrites++;
    this.terminal.write(data, () => {
      this.pendingWrites--;
      this.parsed = end;
      if (!this.disposed) onParsed?.(end);
    });
  }

  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
  }

  /** The screen as of every byte fed so far; without scrollback, the visible rows only. */
  snapshot(scrollback = true): Promise<ScreenSnapshot> {
    return new Promise((resolve) => {
      this.terminal.write('', () => resolve(this.serializeNow(scrollback)));
    });
  }

  /** Only valid inside a parse callback or when nothing is pending: it names `parsedOffset`. */
  serializeNow(scrollback = true): ScreenSnapshot {
    const data = this.serializer.serialize(scrollback ? undefined : { scrollback: 0 });
    return { data, cols: this.terminal.cols, rows: this.terminal.rows, offset: this.parsed };
  }

  /** Whether the program turned bracketed paste on (DECSET 2004): only then may pasted text carry the markers. */
  bracketedPasteMode(): boolean {
    return this.terminal.modes.bracketedPasteMode;
  }

  /** Text of the cursor's line up to the cursor, for prompt detection. */
  cursorLineText(): string {
    const buffer = this.terminal.buffer.active;
    const line = buffer.getLine(buffer.baseY + buffer.cursorY);
    return line ? line.translateToString(false, 0, buffer.cursorX) : '';
  }

  dispose(): void {
    this.disposed = true;
    this.terminal.dispose();
  }
}
