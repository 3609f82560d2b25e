import { setTimeout as delay } from 'node:timers/promises';
import * as pty from 'node-pty';
import { describe, expect, it } from 'vitest';
import { TtyWaitProbe } from './ttyWait';

/** The kernel's state has no event to wait on: ask again until it holds, within a bound. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (check()) return;
    await delay(10);
  }
  throw new Error(`never: ${what}`);
}

describe('TtyWaitProbe (real PTY, Linux /proc)', () => {
  it('sees the foreground group block on a tty read and go on, then answers nothing once the process is gone', async () => {
    const terminal = pty.spawn('/bin/sh', ['-c', 'read first; sleep 600 & wait'], { cols: 80, rows: 24, cwd: '/', env: {} });
    const exited = new Promise<void>((resolve) => terminal.onExit(() => resolve()));
    const probe = new TtyWaitProbe(terminal.pid);
    try {
      expect(probe.foregroundGroup()).toBe(terminal.pid);
      await eventually(() => probe.blockedOnTtyRead(), 'sh blocked reading its terminal');
      terminal.write('answer\r');
      await eventually(() => !probe.blockedOnTtyRead(), 'sh no longer reading (waiting for sleep)');
      terminal.kill('SIGKILL');
      await exited;
      await eventually(() => probe.foregroundGroup() === undefined, 'the stat of an ended process unreadable');
      expect(probe.blockedOnTtyRead()).toBe(false);
    } finally {
      probe.close();
      probe.close();
    }
    expect(probe.foregroundGroup()).toBe(undefined);
  });
});
