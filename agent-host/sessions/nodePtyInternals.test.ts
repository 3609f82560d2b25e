import { spawnSync } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as pty from 'node-pty';
import { describe, expect, it } from 'vitest';
import { masterFd, masterReadStream, NODE_PTY_VERSION, ptsPath } from './nodePtyInternals';

const UPGRADE_HINT = 're-check agent-host/sessions/nodePtyInternals.ts and ptyDrain.ts against the new node-pty';

function exited(terminal: pty.IPty): Promise<void> {
  return new Promise((resolve) => terminal.onExit(() => resolve()));
}

// Guards the node-pty internals agent-host relies on: when an upgrade changes them, this fails saying which.
describe(`node-pty ${NODE_PTY_VERSION} internals used by agent-host`, () => {
  it('is the node-pty version the adapter was written against', () => {
    const installed = (createRequire(import.meta.url)('node-pty/package.json') as { version: string }).version;
    expect(installed, `node-pty ${installed} is installed, the adapter knows ${NODE_PTY_VERSION}: ${UPGRADE_HINT}`).toBe(NODE_PTY_VERSION);
  });

  it('ptsName: the path of the slave side, whose modes stty reads', async () => {
    const terminal = pty.spawn('sh', ['-c', 'stty -echo; printf ready; sleep 5'], { encoding: null });
    try {
      const path = ptsPath(terminal);
      expect(statSync(path).isCharacterDevice(), `ptsName ${path} is not a terminal device: ${UPGRADE_HINT}`).toBe(true);
      await new Promise<void>((resolve) => terminal.onData(() => resolve()));
      expect(spawnSync('stty', ['-F', path], { encoding: 'utf8' }).stdout).toMatch(/(^|\s)-echo(\s|$)/m);
    } finally {
      terminal.kill('SIGKILL');
    }
  });

  it('fd: the descriptor of the master side in this process', () => {
    const terminal = pty.spawn('sleep', ['5'], { encoding: null });
    try {
      expect(readlinkSync(`/proc/self/fd/${masterFd(terminal)}`), `fd is not this PTY's master: ${UPGRADE_HINT}`).toBe('/dev/ptmx');
    } finally {
      terminal.kill('SIGKILL');
    }
  });

  it('_socket: the stream the output arrives on', async () => {
    const terminal = pty.spawn('sh', ['-c', 'printf through-the-socket'], { encoding: null });
    let seen = '';
    masterReadStream(terminal).on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await exited(terminal);
    expect(seen, `node-pty no longer reads output through _socket: ${UPGRADE_HINT}`).toContain('through-the-socket');
  });

  it('_socket.destroy(): what node-pty calls, without an error, once a child exited with output still unread', async () => {
    const terminal = pty.spawn('sh', ['-c', 'printf unread'], { encoding: null });
    // A busy daemon is not reading: the stream never ends by itself, so only node-pty's post-exit timer ends it.
    terminal.pause();
    const stream = masterReadStream(terminal);
    const calls: { error: Error | undefined; fromNodePty: boolean }[] = [];
    const destroy = stream.destroy.bind(stream);
    stream.destroy = ((error?: Error) => {
      calls.push({ error, fromNodePty: new Error().stack?.includes('node-pty') ?? false });
      return destroy(error);
    }) as typeof stream.destroy;
    await exited(terminal);
    expect(calls[0], `node-pty no longer destroys _socket after the exit: ${UPGRADE_HINT}`).toEqual({ error: undefined, fromNodePty: true });
  });
});
