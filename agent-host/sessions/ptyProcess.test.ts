import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PtyProcess } from './ptyProcess';

const running: PtyProcess[] = [];
afterEach(() => {
  for (const session of running.splice(0)) session.signal('SIGKILL');
});

function start(): PtyProcess {
  const session = PtyProcess.spawn({ file: 'sleep', args: ['30'], cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, 80, 24);
  running.push(session);
  return session;
}

/** The PTY masters among a process's descriptors. */
function mastersHeldBy(pid: number | 'self'): string[] {
  const dir = `/proc/${pid}/fd`;
  return readdirSync(dir).filter((fd) => {
    try {
      return readlinkSync(`${dir}/${fd}`) === '/dev/ptmx';
    } catch {
      return false; // closed while listing (the listing's own descriptor)
    }
  });
}

describe('PtyProcess', () => {
  it("keeps each session's PTY master to the daemon: no later session or child inherits it", () => {
    const first = start();
    const second = start();
    expect(mastersHeldBy('self').length).toBeGreaterThanOrEqual(2);
    // node-pty leaves masters inheritable: before they were marked close-on-exec both lists held the first master.
    expect(mastersHeldBy(second.pid)).toEqual([]);
    expect(mastersHeldBy(first.pid)).toEqual([]);
    expect(execFileSync('sh', ['-c', 'ls -l /proc/$$/fd'], { encoding: 'utf8' })).not.toContain('/dev/ptmx');
  });
});
