import { closeSync, openSync, readSync } from 'node:fs';

// Kernel wait channels of a task sleeping in a tty read (n_tty_read sleeps in wait_woken on current kernels).
const TTY_READ_WCHANS = new Set(['n_tty_read', 'wait_woken']);

/**
 * Linux only: what the terminal whose session leader is `pid` is doing, read from /proc through descriptors kept
 * open. The status tick asks once per line of output of every session, and readFileSync is five syscalls (open,
 * fstat, read, read, close) where a read at offset 0 of an open /proc file is one: 27 vs 10 us of CPU per question
 * here, and syscalls are the expensive part on a busy VM (in the 10 x 50 profile these reads were ~10 % of a
 * printing daemon's busy time). A descriptor stays bound to the process it was opened for, so a pid reused after
 * an exit is never read by mistake. Anything unreadable (other OS, process gone) answers undefined or false.
 */
export class TtyWaitProbe {
  private stat: number | undefined;
  private wchan: { group: number; fd: number } | undefined;
  private closed = false;
  private readonly buffer = Buffer.alloc(1024);

  constructor(private readonly pid: number) {}

  /** The process group in the foreground of the terminal (tpgid of /proc/PID/stat), if known. */
  foregroundGroup(): number | undefined {
    this.stat ??= this.open(`/proc/${this.pid}/stat`);
    const stat = this.read(this.stat);
    if (stat === undefined) return undefined;
    // Fields after the parenthesised command name: state ppid pgrp session tty_nr tpgid ...
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[5]);
    return Number.isInteger(group) && group > 0 ? group : undefined;
  }

  /** Whether the terminal's foreground process group is blocked reading it. */
  blockedOnTtyRead(): boolean {
    const group = this.foregroundGroup();
    if (!group) return false;
    if (this.wchan?.group !== group) {
      this.forgetWchan();
      const fd = this.open(`/proc/${group}/wchan`);
      if (fd === undefined) return false;
      this.wchan = { group, fd };
    }
    const wchan = this.read(this.wchan.fd);
    // Its leader is gone: a later group of that number is another process, opened afresh.
    if (wchan === undefined) this.forgetWchan();
    return wchan !== undefined && TTY_READ_WCHANS.has(wchan.trim());
  }

  close(): void {
    this.closed = true;
    if (this.stat !== undefined) closeSync(this.stat);
    this.stat = undefined;
    this.forgetWchan();
  }

  private forgetWchan(): void {
    if (this.wchan) closeSync(this.wchan.fd);
    this.wchan = undefined;
  }

  private open(path: string): number | undefined {
    if (this.closed) return undefined;
    try {
      return openSync(path, 'r');
    } catch {
      return undefined;
    }
  }

  private read(fd: number | undefined): string | undefined {
    if (fd === undefined) return undefined;
    try {
      return this.buffer.toString('latin1', 0, readSync(fd, this.buffer, 0, this.buffer.length, 0));
    } catch {
      return undefined;
    }
  }
}
