import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PtyProcess } from './ptyProcess';

const running: PtyProcess[] = [];
afterEach(() => {
  for (const session of running.splice(0)) session.signal('SIGKILL');
});

/** A session whose program has printed, so it is past its exec: until then the forked child holds every descriptor. */
async function start(): Promise<PtyProcess> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const session = PtyProcess.spawn({ file: 'sh', args: ['-c', 'echo up; exec sleep 30'], cwd: '/', env }, 80, 24);
  running.push(session);
  await new Promise<void>((resolve) => session.onData(() => resolve()));
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
  it("keeps each session's PTY master to the daemon: no later session or child inherits it", async () => {
    const first = await start();
    const second = await start();
    expect(mastersHeldBy('self').length).toBeGreaterThanOrEqual(2);
    // node-pty leaves masters inheritable: before they were marked close-on-exec both lists held the first master.
    expect(mastersHeldBy(second.pid)).toEqual([]);
    expect(mastersHeldBy(first.pid)).toEqual([]);
    expect(execFileSync('sh', ['-c', 'ls -l /proc/$$/fd'], { encoding: 'utf8' })).not.toContain('/dev/ptmx');
  });
});
