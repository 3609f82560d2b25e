import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawn as spawnPty } from 'node-pty';
import type { Sshd } from '../../harness/sshd';
import { historyCommand } from '../fixtures';
import { SCREEN, ScreenWatcher } from '../screen';
import { READY_MARKER, shellQuote } from '../ssh';

const execFileAsync = promisify(execFile);
const ATTACH_TIMEOUT_MS = 15_000;

/** A tmux server (own socket and config, no status line so the pane is the whole screen) holding `lines` of history. */
export class TmuxHistory {
  private constructor(readonly socket: string) {}

  static async start(dir: string, lines: number): Promise<TmuxHistory> {
    const socket = join(dir, 'tmux.sock');
    const config = join(dir, 'tmux.conf');
    await writeFile(config, [`set -g history-limit ${lines + 1000}`, 'set -g status off', ''].join('\n'));
    const tmux = new TmuxHistory(socket);
    await execFileAsync('tmux', [
      '-S', socket, '-f', config, 'new-session', '-d', '-s', 'bench', '-x', String(SCREEN.cols), '-y', String(SCREEN.rows),
      'sh', '-c', historyCommand(lines),
    ]);
    const deadline = Date.now() + 60_000;
    const expectedLast = `history ${String(lines).padStart(6, '0')}`;
    while (!(await tmux.lastLine()).startsWith(expectedLast)) {
      if (Date.now() > deadline) throw new Error('tmux did not finish printing its history');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return tmux;
  }

  private async lastLine(): Promise<string> {
    const { stdout } = await execFileAsync('tmux', ['-S', this.socket, 'capture-pane', '-p', '-t', 'bench']);
    return stdout.trimEnd().split('\n').at(-1) ?? '';
  }

  /**
   * Milliseconds from asking for the attach to a complete screen. The remote shell first prints a marker and
   * waits for a newline, so SSH key exchange and the user's shell startup are not counted: the clock starts
   * when the newline (the attach request) is sent, and `exec tmux attach` follows at once.
   */
  async attach(sshd: Sshd, expectedScreen: string[]): Promise<number> {
    const watcher = new ScreenWatcher(expectedScreen);
    const remote = `printf ${READY_MARKER}; read go; exec tmux -S ${shellQuote(this.socket)} attach -t bench`;
    const terminal = spawnPty('ssh', ['-tt', ...sshd.sshArgs(), remote], { name: 'xterm-256color', ...SCREEN });
    const exited = new Promise<void>((resolve) => terminal.onExit(() => resolve()));
    let started: bigint | undefined;
    let preamble = '';
    terminal.onData((data) => {
      if (started !== undefined) return watcher.write(data);
      preamble += data;
      if (!preamble.includes(READY_MARKER)) return;
      started = process.hrtime.bigint();
      terminal.write('\r');
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`tmux screen incomplete: ${JSON.stringify(watcher.visibleRows().slice(-3))}`)), ATTACH_TIMEOUT_MS);
    });
    try {
      const completedAt = await Promise.race([watcher.complete, timeout]);
      return Number(completedAt - started!) / 1e6;
    } finally {
      clearTimeout(timer);
      terminal.kill();
      await exited;
      watcher.dispose();
    }
  }

  async stop(): Promise<void> {
    await execFileAsync('tmux', ['-S', this.socket, 'kill-server']).catch(() => undefined);
  }
}
