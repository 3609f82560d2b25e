import type { Readable } from 'node:stream';
import type { IPty } from 'node-pty';

/**
 * The only place that reaches into node-pty beyond its typings. node-pty is pinned to an exact version in
 * package.json and nodePtyInternals.test.ts fails, naming the member, when an upgrade moves one of these:
 * - `ptsName`: the slave side's path (/dev/pts/N), a public getter of UnixTerminal missing from the typings;
 *   needed to read the terminal's modes and to hold a slave fd while the output drains.
 * - `fd`: the master's descriptor, a public getter of UnixTerminal missing from the typings; node-pty leaves it
 *   inheritable (microsoft/node-pty#657), so PtyProcess marks it close-on-exec.
 * - `_socket`: the read stream on the master, which node-pty destroys 200 ms after the child exits
 *   (losing unread output); ptyDrain.ts defers that. node-pty offers no supported way to.
 */
export const NODE_PTY_VERSION = '1.1.0';

export class NodePtyInternalsError extends Error {
  override readonly name = 'NodePtyInternalsError';
}

interface UnixTerminalInternals {
  ptsName?: unknown;
  fd?: unknown;
  _socket?: unknown;
}

function changed(member: string, found: unknown): NodePtyInternalsError {
  return new NodePtyInternalsError(
    `node-pty internals changed: UnixTerminal.${member} is ${found === undefined ? 'missing' : `a ${typeof found}`}; ` +
      `agent-host relies on it as of node-pty ${NODE_PTY_VERSION} (agent-host/sessions/nodePtyInternals.ts)`,
  );
}

/** The path of the PTY's slave side, e.g. /dev/pts/3. */
export function ptsPath(terminal: IPty): string {
  const path = (terminal as unknown as UnixTerminalInternals).ptsName;
  if (typeof path !== 'string' || !path.startsWith('/dev/')) throw changed('ptsName', path);
  return path;
}

/** The descriptor of the PTY's master side in this process. */
export function masterFd(terminal: IPty): number {
  const fd = (terminal as unknown as UnixTerminalInternals).fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) throw changed('fd', fd);
  return fd;
}

/** The stream node-pty reads the master side with. */
export function masterReadStream(terminal: IPty): Readable {
  const socket = (terminal as unknown as UnixTerminalInternals)._socket as Readable | undefined;
  if (typeof socket?.destroy !== 'function' || typeof socket.once !== 'function') throw changed('_socket', socket);
  return socket;
}
