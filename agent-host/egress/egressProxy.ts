// The daemon's egress proxy: one HTTP proxy (CONNECT tunnels and plain absolute-URI requests), reached by each agent
// through its own Unix socket so that every request is attributed to the agent whose socket it came through. For each
// request the proxy resolves the name itself, asks the policy, writes the audit record and only then opens a
// connection — to exactly the address the policy saw (no second look-up, so DNS rebinding cannot slip past it).
//
// HTTP parsing is node:http's (llhttp): the server parses request heads, CONNECT arrives as its 'connect' event, and
// plain requests are forwarded with node:http's client over a socket the proxy connected itself.
import { chmodSync, rmSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { formatAuthority, parseAbsoluteHttpUrl, parseConnectAuthority } from './addresses';
import { AgentListener, removeStaleSocket } from './agentListener';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEAD_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS_PER_AGENT,
  MAX_HEADER_BYTES,
  MAX_SOCKET_PATH,
  type EgressAgentHandle,
  type EgressName,
  type EgressProxyOptions,
} from './egressTypes';
import { EgressAdmission } from './egressAdmission';
import { denialText, explain, plainAnswer, rawAnswer, requestHeaders, responseHeaders } from './proxyAnswers';
import { splice } from './splice';
import { connectUpstream } from './upstream';

export * from './egressTypes';

export class EgressProxy {
  private readonly listeners = new Set<AgentListener>();
  private closed = false;
  private readonly headTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly admission: EgressAdmission;

  constructor(private readonly options: EgressProxyOptions) {
    this.admission = new EgressAdmission(options);
    this.headTimeoutMs = options.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /**
   * Listens for `agent` on a new 0600 Unix socket at `socketPath` (its directory must exist; a stale socket there is
   * replaced). Everything that arrives on it is attributed to `agent`.
   */
  async openAgent(agent: string, socketPath: string): Promise<EgressAgentHandle> {
    if (this.closed) throw new Error('the egress proxy is closed');
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      throw new Error(`the egress socket path ${socketPath} is longer than a Unix socket allows (${MAX_SOCKET_PATH} bytes)`);
    }
    if (!statSync(dirname(socketPath), { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`the directory of the egress socket ${socketPath} does not exist`);
    }
    for (const listener of this.listeners) {
      if (listener.socketPath === socketPath) throw new Error(`the egress proxy already listens on ${socketPath} (for ${listener.agent})`);
    }
    removeStaleSocket(socketPath);

    const server = createServer({
      maxHeaderSize: MAX_HEADER_BYTES,
      // A plain request's body may take as long as it takes; only its head is timed.
      requestTimeout: 0,
      headersTimeout: this.headTimeoutMs,
      // The proxy takes the target from the absolute URI or the CONNECT authority, not from Host.
      requireHostHeader: false,
    });
    server.keepAliveTimeout = this.headTimeoutMs;
    server.maxConnections = this.options.maxConnectionsPerAgent ?? DEFAULT_MAX_CONNECTIONS_PER_AGENT;
    let dropsLogged = 0;
    server.on('drop', () => {
      // Told once per burst, not once per refused connection.
      if (Date.now() - dropsLogged < 10_000) return;
      dropsLogged = Date.now();
      this.options.log(`egress ${agent}: more than ${server.maxConnections} connections at once; new ones are refused`);
    });
    const listener: AgentListener = new AgentListener(agent, socketPath, server, () => this.listeners.delete(listener));
    // Claimed before the first await, so that a second openAgent for the same path is refused, not racing this one.
    this.listeners.add(listener);
    server.on('connection', (socket: Socket) => listener.accept(socket, this.headTimeoutMs));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handleRequest(listener, req, res).catch((error: unknown) => {
        this.options.log(`egress ${agent}: ${explain(error)}`);
        res.destroy();
      });
    });
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.handleConnect(listener, req, socket, head).catch((error: unknown) => {
        this.options.log(`egress ${agent}: ${explain(error)}`);
        socket.destroy();
      });
    });

    try {
      await this.listen(server, socketPath);
    } catch (error) {
      this.listeners.delete(listener);
      server.close();
      throw error;
    }
    server.on('error', (error) => this.options.log(`egress ${agent}: ${socketPath}: ${error.message}`));
    if (listener.closing) {
      // close() came while bind() was under way: it could not stop a server that was not listening yet.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(socketPath, { force: true });
      throw new Error('the egress proxy closed while the agent socket was opening');
    }
    return listener;
  }

  private async listen(server: Server, socketPath: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        server.off('error', settle);
        server.off('close', closedEarly);
        server.off('listening', listening);
        if (error) reject(error);
        else resolve();
      };
      const listening = (): void => settle();
      // close() while bind() is done but 'listening' not yet emitted: node then never emits it.
      const closedEarly = (): void => settle(new Error('the egress proxy closed while the agent socket was opening'));
      server.once('error', settle);
      server.once('close', closedEarly);
      server.once('listening', listening);
      // The socket file is created by bind(), synchronously inside listen(): mask it to 0600 from its first moment.
      const previousUmask = process.umask(0o177);
      try {
        server.listen(socketPath);
      } finally {
        process.umask(previousUmask);
      }
    });
    chmodSync(socketPath, 0o600);
  }

  /** Closes every agent's socket and ends every live connection and tunnel (their end records are written first). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.listeners].map((listener) => listener.close()));
  }

  private async handleConnect(listener: AgentListener, req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    listener.headHasArrived(client);
    const started = Date.now();
    // node:http detached the socket: its errors are ours now (the tunnel's end record reports them).
    client.on('error', () => undefined);
    client.setTimeout(0);
    const parsed = parseConnectAuthority(req.url ?? '');
    if (!parsed.ok) {
      rawAnswer(client, 400, parsed.reason);
      return;
    }
    const name: EgressName = { agent: listener.agent, kind: 'connect', method: 'CONNECT', ...parsed.target };
    const admission = await this.admission.admit(listener, name, undefined);
    if (!admission) {
      client.destroy();
      return;
    }
    if (!admission.decision.allow) {
      rawAnswer(client, 403, denialText(name, admission.decision), admission.decision.rule);
      return;
    }
    const end = this.admission.ender(admission, started);
    const connected = await connectUpstream(listener, admission.target, () => client.destroyed, { relay: true, timeoutMs: this.connectTimeoutMs });
    if (!connected.ok) {
      rawAnswer(client, 502, connected.reason);
      end({ outcome: 'failed', error: connected.reason });
      return;
    }
    const { socket: upstream, address } = connected;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    splice(client, upstream, (error) =>
      end({
        outcome: 'completed',
        address,
        bytesUp: upstream.bytesWritten,
        bytesDown: upstream.bytesRead,
        ...(error ? { error: explain(error) } : {}),
      }),
    );
  }

  private async handleRequest(listener: AgentListener, req: IncomingMessage, res: ServerResponse): Promise<void> {
    listener.headHasArrived(req.socket);
    const started = Date.now();
    // A client that goes away surfaces as errors on these; the 'close' handling below covers it.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    res.sendDate = false;
    const parsed = parseAbsoluteHttpUrl(req.url ?? '');
    if (!parsed.ok) {
      plainAnswer(res, 400, parsed.reason);
      return;
    }
    const { path, hostHeader, ...where } = parsed.target;
    const name: EgressName = { agent: listener.agent, kind: 'http', method: req.method ?? 'GET', ...where };
    const admission = await this.admission.admit(listener, name, path);
    if (!admission) {
      res.destroy();
      return;
    }
    if (!admission.decision.allow) {
      plainAnswer(res, 403, denialText(name, admission.decision), admission.decision.rule);
      return;
    }
    const end = this.admission.ender(admission, started);
    const clientGone = (): boolean => res.destroyed || req.socket.destroyed;
    const connected = await connectUpstream(listener, admission.target, clientGone, { relay: false, timeoutMs: this.connectTimeoutMs });
    if (!connected.ok) {
      plainAnswer(res, 502, connected.reason);
      end({ outcome: 'failed', error: connected.reason });
      return;
    }
    const { socket: upstream, address } = connected;
    if (clientGone()) {
      upstream.destroy();
      end({ outcome: 'failed', address, error: 'the client closed the connection before the request was sent' });
      return;
    }

    let status: number | undefined;
    let error: string | undefined;
    // One origin connection per request, never pooled: each request was decided on its own, and its bytes are its own.
    const outgoing = httpRequest({
      createConnection: () => upstream,
      method: req.method,
      path,
      headers: requestHeaders(req.headers, hostHeader),
      setHost: false,
    });
    outgoing.on('response', (incoming: IncomingMessage) => {
      status = incoming.statusCode;
      incoming.on('error', (cause: Error) => {
        error ??= explain(cause);
        res.destroy();
      });
      try {
        res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, responseHeaders(incoming));
      } catch (cause) {
        error ??= `the origin's answer could not be passed on: ${explain(cause)}`;
        incoming.destroy();
        plainAnswer(res, 502, error);
        return;
      }
      incoming.pipe(res);
    });
    outgoing.on('error', (cause: Error) => {
      error ??= explain(cause);
      plainAnswer(res, 502, `the request to ${formatAuthority(name.host, name.port)} failed: ${error}`);
    });
    res.once('close', () => {
      if (!res.writableFinished) error ??= 'the client closed the connection before the answer was complete';
      outgoing.destroy();
      upstream.destroy();
      end({
        outcome: 'completed',
        address,
        ...(status === undefined ? {} : { status }),
        bytesUp: upstream.bytesWritten,
        bytesDown: upstream.bytesRead,
        ...(error === undefined ? {} : { error }),
      });
    });
    req.pipe(outgoing);
  }

}
