import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxReady } from './probe';
import { holdingServer, PtyRun, requireSandbox, tempDir } from './testing/sandboxed';

/** Field 8 of /proc/PID/stat: the foreground process group of the process's controlling terminal. */
function terminalForegroundGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[5]);
}

/** A bash loop that keeps running (and runs its traps) until a signal ends it. */
const LOOP = 'echo READY; while :; do sleep 0.05; done';

describe('sandbox in a real PTY (node-pty + bwrap)', () => {
  let probe: SandboxReady;

  beforeAll(async () => {
    probe = await requireSandbox();
  });

  it('keeps the PTY as controlling terminal: tty, stty size, and SIGWINCH on resize', async () => {
    const run = PtyRun.start(probe, 'bash', ['-c', `tty; [ -t 0 ] && echo ISATTY; stty size; trap 'echo "WINCH $(stty size)"' WINCH; ${LOOP}`]);
    await run.waitFor('READY');
    expect(run.text).toMatch(/^\/dev\/console\r\nISATTY\r\n24 80\r\n/);
    run.terminal.resize(100, 40);
    await run.waitFor('WINCH 40 100');
    run.terminal.kill('SIGHUP');
    await run.exited;
  });

  it('makes the agent the foreground group: ^C and signals to that group reach it, never bwrap', async () => {
    const run = PtyRun.start(probe, 'bash', ['-c', `trap 'echo GOT-INT' INT; trap 'echo GOT-TERM; exit 42' TERM; ${LOOP}`]);
    await run.waitFor('READY');
    const bwrapPid = run.terminal.pid;
    const foreground = terminalForegroundGroup(bwrapPid);
    expect(foreground).not.toBe(bwrapPid);
    run.terminal.write('\x03');
    await run.waitFor('GOT-INT');
    // What the session's signal() does for the foreground group.
    process.kill(-foreground, 'SIGTERM');
    await run.waitFor('GOT-TERM');
    expect(await run.exited).toMatchObject({ exitCode: 42 });
  });

  it('without the foreground launcher, ^C kills bwrap and so the whole sandbox (why it exists)', async () => {
    const run = PtyRun.start(probe, 'bash', ['-c', `trap 'echo GOT-INT' INT; ${LOOP}`], { foreground: false });
    await run.waitFor('READY');
    expect(terminalForegroundGroup(run.terminal.pid)).toBe(run.terminal.pid);
    run.terminal.write('\x03');
    expect(await run.exited).toMatchObject({ signal: 2 });
  });

  it("reports the agent's exit status as bwrap's exit code (a signal death as 128+N)", async () => {
    expect(await PtyRun.start(probe, 'sh', ['-c', 'exit 3']).exited).toMatchObject({ exitCode: 3 });
    const killed = await PtyRun.start(probe, 'sh', ['-c', 'kill -TERM $$']).exited;
    expect(killed.exitCode).toBe(128 + 15);
    expect(killed.signal ?? 0).toBe(0);
    const missing = PtyRun.start(probe, 'no-such-agent-binary', []);
    await missing.waitFor('sandbox: cannot run no-such-agent-binary');
    expect(await missing.exited).toMatchObject({ exitCode: 127 });
  });

  it('shows no other terminal: /dev/pts inside is a fresh devpts holding only ptmx', async () => {
    const run = PtyRun.start(probe, 'sh', ['-c', 'echo "pts=[$(ls -A /dev/pts | tr "\\n" " ")]"']);
    await run.exited;
    expect(run.text).toContain('pts=[ptmx ]');
  });

  describe('teardown', () => {
    let root: ReturnType<typeof tempDir>;
    beforeAll(() => {
      root = tempDir('fd-sbx-pty-');
    });
    afterAll(() => root?.remove());

    it('killing bwrap with SIGHUP (session kill, PTY hangup) ends everything inside, even a process that ignores SIGHUP', async () => {
      const path = join(root.path, 'hold.sock');
      const server = await holdingServer(path);
      try {
        const js = `process.on('SIGHUP', () => console.log('ignoring SIGHUP')); require('net').connect(${JSON.stringify(path)}, () => console.log('HOLDING')); setInterval(() => {}, 1000);`;
        const run = PtyRun.start(probe, process.execPath, ['-e', js], { sockets: [path] });
        await run.waitFor('HOLDING');
        await server.connected;
        run.terminal.kill('SIGHUP');
        await server.closed;
        expect(await run.exited).toMatchObject({ signal: 1 });
      } finally {
        server.close();
      }
    });
  });
});
