import { constants } from 'node:os';
import * as pty from 'node-pty';
import type { Signal } from '../../common/protocol/session';
import { TtyWaitProbe } from '../status/ttyWait';
import { libc } from '../os/libc';
import { masterFd, ptsPath } from './nodePtyInternals';
import { drainBeforeExit } from './ptyDrain';
import { typingIsHidden } from './ttyModes';

export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /**
   * The program is a sandbox (bwrap) that hands the terminal to the agent inside: signals go to the terminal's
   * foreground group only, since bwrap dies of them and takes everything inside along at once (SIGKILL).
   */
  confined?: boolean;
}

/** How long a killed session has to go after SIGHUP before SIGKILL. */
const KILL_GRACE_MS = 3000;

/**
 * The program of a session in its PTY: output as bytes, input, size, signals to its process groups, and
 * kill escalation. Every byte it prints is read before its exit is reported (ptyDrain.ts).
 */
export class PtyProcess {
  private killTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly ttyWait: TtyWaitProbe;

  private constructor(
    private readonly terminal: pty.IPty,
    private readonly slavePath: string,
    private readonly confined: boolean,
  ) {
    this.ttyWait = new TtyWaitProbe(terminal.pid);
  }

  static spawn(spec: SpawnSpec, cols: number, rows: number): PtyProcess {
    const terminal = pty.spawn(spec.file, spec.args, {
      name: spec.env.TERM ?? 'xterm-256color',
      cols,
      rows,
      cwd: spec.cwd,
      env: spec.env,
      encoding: null,
    });
    try {
      // Before anything else is started: every later child (the next session's program, git, an MCP server)
      // would otherwise hold this terminal open, and closing it would not hang it up.
      libc?.setCloseOnExec(masterFd(terminal));
      const path = ptsPath(terminal);
      drainBeforeExit(terminal);
      return new PtyProcess(terminal, path, spec.confined ?? false);
    } catch (error) {
      terminal.kill('SIGKILL');
      throw error;
    }
  }

  get pid(): number {
    return this.terminal.pid;
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.terminal.onData((data: string | Buffer) => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      listener(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
  }

  onExit(listener: (exitCode: number, signal: string | null) => void): void {
    this.terminal.onExit(({ exitCode, signal }) => {
      clearTimeout(this.killTimer);
      this.ttyWait.close();
      listener(exitCode, signal ? signalName(signal) : null);
    });
  }

  write(data: Uint8Array | string): void {
    this.terminal.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
  }

  /** Whether the terminal's foreground process group is blocked reading it (Linux /proc; false elsewhere). */
  blockedOnTtyRead(): boolean {
    return this.ttyWait.blockedOnTtyRead();
  }

  /** Whether what is typed right now is hidden (a password prompt): read from the terminal, not guessed. */
  typingHidden(): boolean {
    return typingIsHidden(this.slavePath);
  }

  /**
   * Signals the session's process group and, if another group holds the terminal, that one too. A confined
   * session's own group (the sandbox) gets only SIGKILL, the end of the kill escalation.
   */
  signal(signal: Signal): void {
    const pid = this.terminal.pid;
    const foreground = this.ttyWait.foregroundGroup();
    const groups = this.confined && signal !== 'SIGKILL' ? [foreground] : [pid, foreground];
    for (const group of new Set(groups)) {
      if (!group) continue;
      try {
        process.kill(-group, signal);
      } catch {
        // The group may already be gone.
      }
    }
  }

  /** SIGHUP, then SIGKILL if the program is still there after a grace period. */
  kill(): void {
    this.signal('SIGHUP');
    this.killTimer ??= setTimeout(() => this.signal('SIGKILL'), KILL_GRACE_MS);
    this.killTimer.unref();
  }

  /** Stops the kill escalation; the program itself is left alone. */
  dispose(): void {
    clearTimeout(this.killTimer);
    this.ttyWait.close();
  }
}

function signalName(signal: number): string {
  const entry = Object.entries(constants.signals as Record<string, number>).find(([, n]) => n === signal);
  return entry?.[0] ?? String(signal);
}
