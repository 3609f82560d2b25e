import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxReady } from './probe';
import { sandboxCommand } from './sandbox';
import { holdingServer, PtyRun, requireSandbox, specFor, tempDir } from './testing/sandboxed';

/** What each descriptor of a process refers to. */
function descriptorTargets(pid: number | 'self'): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile (the directory listing's own descriptor)
    }
  });
}

/** Every process below `pid`, read from the kernel's children lists (so also those in another PID namespace). */
function descendants(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number),
  );
  return children.flatMap((child) => [child, ...descendants(child)]);
}

describe('what a sandbox inherits from the daemon (real bwrap)', () => {
  let probe: SandboxReady;
  let root: ReturnType<typeof tempDir>;
  /** Another session's terminal, opened before the sandbox as the daemon's earlier sessions are. */
  let otherSession: pty.IPty;

  beforeAll(async () => {
    probe = await requireSandbox();
    root = tempDir('fd-sbx-clean-');
    otherSession = pty.spawn('/bin/sleep', ['600'], { cols: 80, rows: 24, cwd: '/', env: {} });
  });
  afterAll(() => {
    otherSession?.kill('SIGKILL');
    root?.remove();
  });

  it("gives the code inside none of the daemon's descriptors: not another session's PTY master", async () => {
    // Why the launcher exists: any child of this process inherits that master (node-pty leaves it inheritable).
    expect(execFileSync('/bin/sh', ['-c', 'ls -l /proc/$$/fd'], { encoding: 'utf8' })).toContain('/dev/ptmx');

    const run = PtyRun.start(probe, 'sh', ['-c', 'echo "fds=[$(ls /proc/self/fd | tr "\\n" " ")]"; echo READY; exec sleep 600']);
    await run.waitFor('READY');
    // ls's own: the terminal, and 3 for the directory it lists.
    expect(run.text).toContain('fds=[0 1 2 3 ]');
    for (const pid of descendants(run.terminal.pid)) {
      expect({ pid, held: descriptorTargets(pid).filter((target) => target.includes('ptmx')) }).toEqual({ pid, held: [] });
    }
    run.terminal.kill('SIGHUP');
    await run.exited;
  });

  it('still dies with the process that started it, however it dies, with no terminal to hang up (bwrap --die-with-parent through the launcher)', async () => {
    const path = join(root.path, 'hold.sock');
    const server = await holdingServer(path);
    try {
      const holder = `process.on('SIGHUP', () => {}); require('net').connect(${JSON.stringify(path)}); setInterval(() => {}, 1000);`;
      const { command, args } = sandboxCommand(specFor(probe, process.execPath, ['-e', holder], { sockets: [path], foreground: false }));
      // The daemon stand-in: starts the sandbox on pipes (no PTY, so no hangup can end it) and stays.
      const starter = `require('child_process').spawn(process.argv[1], JSON.parse(process.argv[2]), { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
      const daemon = spawn(process.execPath, ['-e', starter, command, JSON.stringify(args)], { stdio: 'ignore' });
      const daemonGone = new Promise((resolve) => daemon.once('exit', resolve));
      await server.connected;
      daemon.kill('SIGKILL');
      await daemonGone;
      await server.closed;
    } finally {
      server.close();
    }
  });
});
