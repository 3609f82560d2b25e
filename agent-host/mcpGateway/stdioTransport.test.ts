import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolatedStdioTransport } from './stdioTransport';

describe('IsolatedStdioTransport: what an MCP server gets from the daemon', () => {
  /** A session's terminal, opened before the server as the daemon's sessions are (node-pty leaves it inheritable). */
  let session: pty.IPty;
  beforeAll(() => {
    session = pty.spawn('/bin/sleep', ['600'], { cols: 80, rows: 24, cwd: '/', env: {} });
  });
  afterAll(() => session?.kill('SIGKILL'));

  function run(command: string, args: string[]): Promise<{ stderr: string[]; transport: IsolatedStdioTransport; started: Promise<void> }> {
    const stderr: string[] = [];
    const transport = new IsolatedStdioTransport({ command, args, env: { PATH: '/usr/bin:/bin' }, cwd: '/', onStderr: (line) => stderr.push(line) });
    const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
    const started = transport.start();
    return closed.then(() => ({ stderr, transport, started }));
  }

  it('its three pipes and nothing else: no PTY master of any session', async () => {
    const { stderr, transport } = await run('sh', ['-c', 'echo "fds=[$(ls /proc/self/fd | tr "\\n" " ")]" >&2']);
    // ls's own: its three, and 3 for the directory it lists.
    expect(stderr).toEqual(['fds=[0 1 2 3 ]']);
    expect(transport.describeExit()).toBe('exited with code 0');
  });

  it('a server that is not there is named, not reported as the launcher exiting', async () => {
    const { transport, started } = await run('no-such-mcp-server', []);
    await expect(started).rejects.toThrow('command not found: no-such-mcp-server');
    expect(transport.describeExit()).toBe('could not be started: command not found: no-such-mcp-server');
  });
});
