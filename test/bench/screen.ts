import xtermHeadless from '@xterm/headless';

const { Terminal } = xtermHeadless;

export const SCREEN = { cols: 120, rows: 32 } as const;

/**
 * The one definition of "complete first screen" used for both tmux and Flightdeck: the client's own terminal
 * emulator (@xterm/headless, 120x32, fed every byte the client received) shows, on its visible rows 0..30, the
 * last 31 lines of the session's history in order, and row 31 (the cursor's line) is empty.
 * Checked after every write has been parsed, so the time is when a real viewer could read the screen.
 */
export class ScreenWatcher {
  private readonly terminal = new Terminal({ cols: SCREEN.cols, rows: SCREEN.rows, scrollback: 1000, allowProposedApi: true });
  private resolveComplete: ((at: bigint) => void) | undefined;
  /** Resolves with the moment (process.hrtime.bigint) the complete screen was parsed, not when a waiter resumes. */
  readonly complete: Promise<bigint>;
  private done = false;
  private history: { firstLine: string; lines: number; resolve: (at: bigint) => void } | undefined;

  constructor(private readonly expectedRows: readonly string[]) {
    if (expectedRows.length !== SCREEN.rows) throw new RangeError(`expected ${SCREEN.rows} rows, got ${expectedRows.length}`);
    this.complete = new Promise((resolve) => (this.resolveComplete = resolve));
  }

  write(data: string | Uint8Array): void {
    this.terminal.write(data, () => this.check());
  }

  /** Resolves (as `complete` does) once the complete screen also has `lines` lines of scrollback above it, the oldest being `firstLine`. */
  untilHistory(firstLine: string, lines: number): Promise<bigint> {
    return new Promise((resolve) => {
      this.history = { firstLine, lines, resolve };
      this.check();
    });
  }

  visibleRows(): string[] {
    const buffer = this.terminal.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < SCREEN.rows; y++) rows.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return rows;
  }

  private check(): void {
    const at = process.hrtime.bigint();
    const rows = this.visibleRows();
    if (!rows.every((row, index) => row === this.expectedRows[index])) return;
    if (!this.done) {
      this.done = true;
      this.resolveComplete?.(at);
    }
    const buffer = this.terminal.buffer.active;
    if (this.history && buffer.baseY === this.history.lines && buffer.getLine(0)?.translateToString(true) === this.history.firstLine) {
      this.history.resolve(at);
      this.history = undefined;
    }
  }

  dispose(): void {
    this.terminal.dispose();
  }
}
