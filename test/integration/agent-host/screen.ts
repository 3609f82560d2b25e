import xtermHeadless from '@xterm/headless';

const { Terminal } = xtermHeadless;

/** Lines of scrollback the host keeps with a session's screen (agent-host/sessions/screen.ts), and a viewer here too. */
export const HOST_SCROLLBACK = 1000;

export interface DrawnScreen {
  /** The visible rows, top to bottom. */
  rows: string[];
  /** Lines of scrollback above them. */
  scrollback: number;
  /** The topmost line of the scrollback (or of the screen without any). */
  oldest: string;
}

/** What a viewer's emulator (cols x rows, with the host's scrollback) shows after `writes`, each parsed in turn. */
export async function drawScreen(writes: (string | Uint8Array)[], cols: number, rows: number): Promise<DrawnScreen> {
  const terminal = new Terminal({ cols, rows, scrollback: HOST_SCROLLBACK, allowProposedApi: true });
  try {
    for (const data of writes) await new Promise<void>((resolve) => terminal.write(data, resolve));
    const buffer = terminal.buffer.active;
    const visible = Array.from({ length: rows }, (_, y) => buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? '');
    return { rows: visible, scrollback: buffer.baseY, oldest: buffer.getLine(0)?.translateToString(true) ?? '' };
  } finally {
    terminal.dispose();
  }
}
