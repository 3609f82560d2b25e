// Runs INSIDE an agent's sandbox, whose network namespace has only `lo` and where the agent's egress socket (a Unix
// socket of the daemon's egress proxy) is bind-mounted. Two kinds of listeners on loopback carry TCP to that socket:
//  - the HTTP proxy port: every connection is piped raw to the proxy, so HTTP_PROXY / HTTPS_PROXY =
//    http://127.0.0.1:PORT work for curl, git, pip, Claude Code…;
//  - tunnels: an address the agent is configured with (a model endpoint http://127.0.0.1:8123, say) keeps working:
//    each connection becomes `CONNECT host:port` on a new proxy connection, and is piped once the proxy answers 200.
// Either way the proxy decides, audits and attributes every connection; this side decides nothing.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { formatAuthority } from './addresses';
import { splice } from './splice';

export interface TunnelSpec {
  /** Where the agent connects inside the sandbox (usually 127.0.0.1). */
  listenHost: string;
  /** 0: any free port (see the result). */
  listenPort: number;
  /** What the proxy is asked to CONNECT to, as the policy will see it. */
  host: string;
  port: number;
}

export interface ForwarderSpec {
  /** The agent's egress socket, as seen inside the sandbox. */
  proxySocket: string;
  /** Port on 127.0.0.1 for HTTP_PROXY / HTTPS_PROXY; 0: any free port (see the result). */
  httpProxyPort: number;
  tunnels: TunnelSpec[];
  /** Where denials and failures are told (default: nowhere). */
  log?: (message: string) => void;
}

export interface Forwarders {
  /** The port the HTTP proxy listener got. */
  httpProxyPort: number;
  /** The tunnels, with the ports they got. */
  tunnels: TunnelSpec[];
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

/** Socket errors that are just a peer going away. */
const ORDINARY = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function ordinary(error: Error | undefined): boolean {
  return error === undefined || ORDINARY.has((error as NodeJS.ErrnoException).code ?? '');
}

class Listeners {
  readonly servers: Server[] = [];
  readonly sockets = new Set<Socket>();

  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async listen(server: Server, host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const closed = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    const sockets = [...this.sockets];
    const gone = sockets.map((socket) => (socket.closed ? undefined : new Promise((resolve) => socket.once('close', resolve))));
    for (const socket of sockets) socket.destroy();
    await Promise.all([...closed, ...gone]);
  }
}

/** Starts the HTTP proxy listener and the tunnels; resolves once all of them listen (or rejects, closing the rest). */
export async function startForwarders(spec: ForwarderSpec): Promise<Forwarders> {
  const log = spec.log ?? (() => undefined);
  const listeners = new Listeners();
  try {
    const proxyServer = createServer({ allowHalfOpen: true }, (client) => {
      listeners.track(client);
      const proxy = connect({ path: spec.proxySocket, allowHalfOpen: true });
      listeners.track(proxy);
      splice(client, proxy, (error) => {
        if (!ordinary(error)) log(`egress forwarder: ${error?.message ?? ''}`);
      });
    });
    proxyServer.on('error', (error) => log(`egress forwarder: ${error.message}`));
    const httpProxyPort = await listeners.listen(proxyServer, '127.0.0.1', spec.httpProxyPort);

    const tunnels: TunnelSpec[] = [];
    for (const tunnel of spec.tunnels) {
      const server = createServer({ allowHalfOpen: true }, (client) => openTunnel(client, tunnel, spec.proxySocket, listeners, log));
      server.on('error', (error) => log(`egress tunnel ${formatAuthority(tunnel.listenHost, tunnel.listenPort)}: ${error.message}`));
      const listenPort = await listeners.listen(server, tunnel.listenHost, tunnel.listenPort);
      tunnels.push({ ...tunnel, listenPort });
    }
    return { httpProxyPort, tunnels, close: () => listeners.close() };
  } catch (error) {
    await listeners.close();
    throw error;
  }
}

function openTunnel(client: Socket, tunnel: TunnelSpec, proxySocket: string, listeners: Listeners, log: (message: string) => void): void {
  listeners.track(client);
  client.on('error', () => undefined);
  const target = formatAuthority(tunnel.host, tunnel.port);
  let spliced = false;
  const request = httpRequest({
    socketPath: proxySocket,
    method: 'CONNECT',
    path: target,
    headers: { host: target },
    setHost: false,
    agent: false,
  });
  request.on('socket', (socket: Socket) => listeners.track(socket));
  request.on('connect', (response: IncomingMessage, proxy: Socket, head: Buffer) => {
    proxy.on('error', () => undefined);
    if (response.statusCode !== 200) {
      const rule = response.headers['x-flightdeck-egress-rule'];
      log(`egress tunnel to ${target}: the proxy answered ${response.statusCode ?? '?'}${typeof rule === 'string' ? ` (rule ${rule})` : ''}`);
      proxy.destroy();
      client.destroy();
      return;
    }
    if (client.destroyed) {
      proxy.destroy();
      return;
    }
    spliced = true;
    if (head.length > 0) client.write(head);
    splice(client, proxy, (error) => {
      if (!ordinary(error)) log(`egress tunnel to ${target}: ${error?.message ?? ''}`);
    });
  });
  request.on('error', (error: Error) => {
    log(`egress tunnel to ${target}: ${error.message}`);
    client.destroy();
  });
  client.once('close', () => {
    if (!spliced) request.destroy();
  });
  request.end();
}
