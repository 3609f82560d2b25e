import { closeSync, constants, openSync } from 'node:fs';
import type { IPty } from 'node-pty';
import { masterReadStream, ptsPath } from './nodePtyInternals';

/** Output must have stopped this long after the child exited before the PTY is let go. */
const QUIET_MS = 100;
const CHECK_EVERY_MS = 25;
/** A PTY that keeps producing after its child exited (a background process) is let go after this. */
const DEADLINE_MS = 5000;

/**
 * Makes sure every byte a child printed is read before node-pty reports its exit. Two node-pty habits
 * lose the tail: it destroys the read stream 200 ms after the child exits, and the kernel may answer the
 * master's read with EIO once the last slave fd closes, before all buffered output was read.
 * So the daemon holds its own slave fd: the master cannot hit EIO while the output drains; once nothing
 * has arrived for QUIET_MS after the exit, the fd is closed and node-pty's normal EIO path runs.
 */
export function drainBeforeExit(terminal: IPty): void {
  const socket = masterReadStream(terminal);
  let slave: number | undefined;
  try {
    slave = openSync(ptsPath(terminal), constants.O_RDWR | constants.O_NOCTTY);
  } catch {
    // The PTY is already gone: node-pty ends the stream as it would without us.
    return;
  }
  const release = () => {
    if (slave === undefined) return;
    closeSync(slave);
    slave = undefined;
  };
  let lastData = Date.now();
  terminal.onData(() => (lastData = Date.now()));
  const destroy = socket.destroy.bind(socket);
  let draining = false;
  socket.once('close', release);
  socket.destroy = ((error?: Error) => {
    if (error || draining || socket.destroyed) {
      release();
      return destroy(error);
    }
    // node-pty's post-exit timer: drain first, then let the slave go so the stream ends by itself.
    draining = true;
    const deadline = Date.now() + DEADLINE_MS;
    const check = () =>
      // setImmediate runs after the poll phase, so reads already pending are counted before deciding.
      setImmediate(() => {
        if (socket.destroyed) return;
        if (Date.now() - lastData >= QUIET_MS || Date.now() > deadline) {
          release();
          setTimeout(() => socket.destroyed || destroy(), 1000).unref();
        } else setTimeout(check, CHECK_EVERY_MS);
      });
    setTimeout(check, CHECK_EVERY_MS);
    return socket;
  }) as typeof socket.destroy;
}
