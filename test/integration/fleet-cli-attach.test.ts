import xtermHeadless from '@xterm/headless';
import * as pty from 'node-pty';
import { describe, expect, it } from 'vitest';
import { CLI_BUNDLE, withVm } from './fleet/env';

const { Terminal } = xtermHeadless;

/** Resolves when `condition` holds on some output, checked every time output arrives (the event), with a deadline. */
function waitFor(read: () => string, onData: (listener: () => void) => void, condition: (text: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; output so far:\n${JSON.stringify(read())}`)), 45_000);
    const check = (): void => {
      if (condition(read())) {
        clearTimeout(timer);
        resolve();
      }
    };
    onData(check);
    check();
  });
}

describe('flightdeck attach in a real terminal', () => {
  const vm = withVm();

  it('draws the exact screen, follows resize, forwards typing and detaches with Ctrl-\\ d', async () => {
    const { world } = vm;
    expect((await world.cli(['host', 'add', 'vm', '--ssh', 'vm', '--host-dir', world.hostDir('vm')])).code).toBe(0);
    const started = await world.cli(['session', 'start', 'vm', '--name', 'pad', '--', 'sh', '-c', 'printf "alpha\\nbeta\\n  gamma"; exec cat']);
    const ref = started.stdout.trim();

    const cols = 70;
    const rows = 20;
    const terminal = new Terminal({ cols, rows, allowProposedApi: true });
    const child = pty.spawn(process.execPath, [CLI_BUNDLE, 'attach', ref], { name: 'xterm-256color', cols, rows, env: world.env as Record<string, string> });
    let output = '';
    const listeners: (() => void)[] = [];
    child.onData((data) => {
      output += data;
      terminal.write(data, () => listeners.forEach((listener) => listener()));
    });
    const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
    const screen = (): string[] => {
      const buffer = terminal.buffer.active;
      return Array.from({ length: rows }, (_, row) => buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
    };
    const onData = (listener: () => void): void => {
      listeners.push(listener);
    };
    try {
      await waitFor(() => screen().join('\n'), onData, (text) => text.includes('gamma'), 'the screen');
      expect(screen().slice(0, 4)).toEqual(['alpha', 'beta', '  gamma', '']);
      const cursor = terminal.buffer.active;
      expect([cursor.cursorX, cursor.cursorY]).toEqual([7, 2]);

      const sessions = JSON.parse((await world.cli(['session', 'list', 'vm', '--json'])).stdout) as { sessions: { session: { cols: number; rows: number } }[] };
      expect(sessions.sessions[0]!.session).toMatchObject({ cols, rows });

      child.write('typed words\r');
      await waitFor(() => output, onData, (text) => (text.match(/typed words/g) ?? []).length >= 2, 'the echo of the typing');

      child.resize(80, 24);
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        const now = JSON.parse((await world.cli(['session', 'list', 'vm', '--json'])).stdout) as { sessions: { session: { cols: number } }[] };
        if (now.sessions[0]!.session.cols === 80) break;
      }
      const resized = JSON.parse((await world.cli(['session', 'list', 'vm', '--json'])).stdout) as { sessions: { session: { cols: number; rows: number } }[] };
      expect(resized.sessions[0]!.session).toMatchObject({ cols: 80, rows: 24 });

      child.write('\u001cd');
      expect(await exited).toBe(0);
      expect(output).toContain(`[detached from vm/pad]`);
    } finally {
      child.kill();
    }
    // The session outlived the detach; killing it ends it, and the typing is in its journal.
    expect((await world.cli(['session', 'kill', ref])).code).toBe(0);
    const journal = await world.cli(['session', 'output', ref, '--follow']);
    expect(journal.code).toBe(0);
    expect(journal.stdout).toContain('typed words\r\ntyped words');
  }, 180_000);
});
