import { readFileSync } from 'node:fs';

// Kernel wait channels of a task sleeping in a tty read (n_tty_read sleeps in wait_woken on current kernels).
const TTY_READ_WCHANS = new Set(['n_tty_read', 'wait_woken']);

/**
 * Linux only: is the foreground process group of the PTY whose session leader is `pid` blocked reading
 * the terminal? Reads /proc; anything unreadable (other OS, process gone) answers false.
 */
export function foregroundBlockedOnTtyRead(pid: number): boolean {
  const group = foregroundGroup(pid);
  if (!group) return false;
  try {
    return TTY_READ_WCHANS.has(readFileSync(`/proc/${group}/wchan`, 'utf8').trim());
  } catch {
    return false;
  }
}

/** The process group in the foreground of the terminal controlled by `pid` (Linux /proc), if known. */
export function foregroundGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state ppid pgrp session tty_nr tpgid ...
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[5]);
    return Number.isInteger(group) && group > 0 ? group : undefined;
  } catch {
    return undefined;
  }
}
