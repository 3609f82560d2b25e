import { lstatSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { EgressAgentHandle } from './egressTypes';

export class AgentListener implements EgressAgentHandle {
  /** Every accepted client connection, including the ones that became tunnels. */
  readonly clients = new Set<Socket>();
  /** Every connection to an origin, including ones still connecting. */
  readonly upstreams = new Set<Socket>();
  private readonly headTimers = new Map<Socket, NodeJS.Timeout>();
  closing = false;
  private closed: Promise<void> | undefined;

  constructor(
    readonly agent: string,
    readonly socketPath: string,
    readonly server: Server,
    private readonly forget: () => void,
  ) {}

  accept(socket: Socket, headTimeoutMs: number): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.clients.add(socket);
    // A client that connects and never completes a request head is dropped; once a head has arrived, idle is fine
    // (long downloads and streams are normal). Between keep-alive requests node's own headersTimeout and
    // keepAliveTimeout apply.
    const timer = setTimeout(() => socket.destroy(), headTimeoutMs);
    this.headTimers.set(socket, timer);
    socket.once('close', () => {
      this.headHasArrived(socket);
      this.clients.delete(socket);
    });
  }

  headHasArrived(socket: Socket): void {
    const timer = this.headTimers.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.headTimers.delete(socket);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.forget();
      const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const sockets = [...this.clients, ...this.upstreams];
      const allClosed = sockets.map((socket) => (socket.closed ? undefined : new Promise((resolve) => socket.once('close', resolve))));
      for (const socket of sockets) socket.destroy();
      await Promise.all(allClosed);
      await serverClosed;
      try {
        removeStaleSocket(this.socketPath);
      } catch {
        // Something else took the path meanwhile: not ours to remove.
      }
    })();
    return this.closed;
  }
}

/** Removes `path` if it is a socket (left by an earlier run); refuses to touch anything else. */
export function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket: the egress proxy will not replace it`);
  rmSync(path, { force: true });
}
