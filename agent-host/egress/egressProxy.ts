// The daemon's egress proxy: one HTTP proxy (CONNECT tunnels and plain absolute-URI requests), reached by each agent
// through its own Unix socket so that every request is attributed to the agent whose socket it came through. For each
// request the proxy resolves the name itself, asks the policy, writes the audit record and only then opens a
// connection — to exactly the address the policy saw (no second look-up, so DNS rebinding cannot slip past it).
//
// HTTP parsing is node:http's (llhttp): the server parses request heads, CONNECT arrives as its 'connect' event, and
// plain requests are forwarded with node:http's client over a socket the proxy connected itself.
import { randomUUID } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { chmodSync, rmSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { classifyAddress, formatAuthority, parseAbsoluteHttpUrl, parseConnectAuthority } from './addresses';
import { AgentListener, removeStaleSocket } from './agentListener';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEAD_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS_PER_AGENT,
  MAX_HEADER_BYTES,
  MAX_SOCKET_PATH,
  type EgressAgentHandle,
  type EgressDecision,
  type EgressDecisionRecord,
  type EgressEndRecord,
  type EgressName,
  type EgressProxyOptions,
  type EgressTarget,
} from './egressTypes';
import { denialText, explain, plainAnswer, rawAnswer, requestHeaders, responseHeaders } from './proxyAnswers';
import { connectForRelay, splice } from './splice';

export * from './egressTypes';

interface Admission {
  id: string;
  target: EgressTarget;
  decision: EgressDecision;
  path: string | undefined;
}

type EndFields = Pick<EgressEndRecord, 'outcome'> & Partial<Pick<EgressEndRecord, 'address' | 'status' | 'bytesUp' | 'bytesDown' | 'error'>>;

async function defaultLookup(host: string): Promise<string[]> {
  const results = await dnsLookup(host, { all: true, verbatim: true });
  return results.map((result) => result.address);
}

function checkedDecision(value: unknown): EgressDecision {
  const decision = value as Partial<EgressDecision> | undefined;
  if (decision && typeof decision.allow === 'boolean' && typeof decision.rule === 'string') {
    return { allow: decision.allow, rule: decision.rule, reason: typeof decision.reason === 'string' ? decision.reason : '' };
  }
  return { allow: false, rule: 'egress.error', reason: 'the egress policy returned no decision' };
}

export class EgressProxy {
  private readonly listeners = new Set<AgentListener>();
  private closed = false;
  private readonly headTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly options: EgressProxyOptions) {
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
    const admission = await this.admit(listener, name, undefined);
    if (!admission) {
      client.destroy();
      return;
    }
    if (!admission.decision.allow) {
      rawAnswer(client, 403, denialText(name, admission.decision), admission.decision.rule);
      return;
    }
    const end = this.ender(admission, started);
    const connected = await this.connectUpstream(listener, admission.target, () => client.destroyed, true);
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
    const admission = await this.admit(listener, name, path);
    if (!admission) {
      res.destroy();
      return;
    }
    if (!admission.decision.allow) {
      plainAnswer(res, 403, denialText(name, admission.decision), admission.decision.rule);
      return;
    }
    const end = this.ender(admission, started);
    const clientGone = (): boolean => res.destroyed || req.socket.destroyed;
    const connected = await this.connectUpstream(listener, admission.target, clientGone, false);
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

  /** Resolves, decides and audits one request; undefined when the agent's socket closed meanwhile. Never throws. */
  private async admit(listener: AgentListener, name: EgressName, path: string | undefined): Promise<Admission | undefined> {
    let target: EgressTarget = { ...name, addresses: [], loopback: false, linkLocal: false };
    let decision: EgressDecision;
    try {
      const early = await this.options.beforeResolve?.(name);
      if (early) {
        decision = { allow: false, rule: early.rule, reason: early.reason };
      } else {
        target = await this.resolve(name);
        decision = checkedDecision(await this.options.decide(target));
      }
    } catch (error) {
      decision = { allow: false, rule: 'egress.error', reason: `the egress policy could not decide: ${explain(error)}` };
    }
    if (listener.closing) {
      this.options.log(`egress ${name.agent}: ${name.method} ${formatAuthority(name.host, name.port)} dropped: the agent's egress socket closed`);
      return undefined;
    }
    const record: EgressDecisionRecord = {
      type: 'decision',
      id: randomUUID(),
      at: Date.now(),
      agent: name.agent,
      kind: name.kind,
      method: name.method,
      host: name.host,
      port: name.port,
      ...(path === undefined ? {} : { path: path.split('?')[0] ?? '' }),
      addresses: target.addresses,
      loopback: target.loopback,
      linkLocal: target.linkLocal,
      outcome: decision.allow ? 'allowed' : 'denied',
      rule: decision.rule,
      reason: decision.reason,
    };
    try {
      this.options.audit(record);
    } catch (error) {
      this.options.log(
        `egress ${name.agent}: the audit record for ${name.method} ${formatAuthority(name.host, name.port)} could not be written (${explain(error)}): denied`,
      );
      if (decision.allow) {
        decision = { allow: false, rule: 'audit', reason: 'the audit record could not be written, so the request is refused' };
        try {
          this.options.audit({ ...record, outcome: 'denied', rule: decision.rule, reason: decision.reason });
        } catch {
          // Still failing; the log line above says so, and nothing goes out.
        }
      }
    }
    return { id: record.id, target, decision, path };
  }

  private async resolve(name: EgressName): Promise<EgressTarget> {
    let addresses: string[] = [];
    let resolveError: string | undefined;
    if (name.ip) {
      addresses = [name.host];
    } else {
      try {
        addresses = [...new Set(await (this.options.lookup ?? defaultLookup)(name.host))];
        if (addresses.length === 0) resolveError = 'no addresses';
      } catch (error) {
        resolveError = explain(error);
      }
    }
    const classes = addresses.map(classifyAddress);
    return {
      ...name,
      addresses,
      loopback: classes.some((c) => c.loopback),
      linkLocal: classes.some((c) => c.linkLocal),
      ...(resolveError === undefined ? {} : { resolveError }),
    };
  }

  /**
   * Tries the checked addresses in order; never looks the name up again. `relay`: the socket is only ever spliced to
   * the client (a tunnel), so it reads into a reused buffer; a plain request's is read by node:http.
   */
  private async connectUpstream(
    listener: AgentListener,
    target: EgressTarget,
    clientGone: () => boolean,
    relay: boolean,
  ): Promise<{ ok: true; socket: Socket; address: string } | { ok: false; reason: string }> {
    const authority = formatAuthority(target.host, target.port);
    if (target.addresses.length === 0) return { ok: false, reason: `cannot resolve ${target.host}: ${target.resolveError ?? 'no addresses'}` };
    const failures: string[] = [];
    for (const address of target.addresses) {
      if (clientGone() || listener.closing) return { ok: false, reason: 'the client went away before the origin was reached' };
      try {
        const socket = await this.connectOnce(listener, address, target.port, relay);
        if (clientGone() || listener.closing) {
          socket.destroy();
          return { ok: false, reason: 'the client went away before the origin was reached' };
        }
        return { ok: true, socket, address };
      } catch (error) {
        // The address is already named: `ECONNREFUSED` says the rest.
        failures.push(`${formatAuthority(address, target.port)}: ${(error as NodeJS.ErrnoException).code ?? explain(error)}`);
      }
    }
    return { ok: false, reason: `cannot connect to ${authority}: ${failures.join('; ')}` };
  }

  private connectOnce(listener: AgentListener, address: string, port: number, relay: boolean): Promise<Socket> {
    return new Promise((resolve, reject) => {
      // An IP literal: net does no look-up for it.
      const options = { host: address, port, allowHalfOpen: true, noDelay: true };
      const socket = relay ? connectForRelay(options) : connect(options);
      listener.upstreams.add(socket);
      const timer = setTimeout(() => socket.destroy(new Error(`no answer in ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      socket.on('error', (error) => reject(error));
      socket.once('close', () => {
        clearTimeout(timer);
        listener.upstreams.delete(socket);
        reject(new Error('closed before it connected'));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
    });
  }

  private ender(admission: Admission, started: number): (fields: EndFields) => void {
    let ended = false;
    const { target } = admission;
    return (fields) => {
      if (ended) return;
      ended = true;
      const record: EgressEndRecord = {
        type: 'end',
        id: admission.id,
        at: Date.now(),
        agent: target.agent,
        kind: target.kind,
        method: target.method,
        host: target.host,
        port: target.port,
        ...(fields.address === undefined ? {} : { address: fields.address }),
        outcome: fields.outcome,
        ...(fields.status === undefined ? {} : { status: fields.status }),
        bytesUp: fields.bytesUp ?? 0,
        bytesDown: fields.bytesDown ?? 0,
        durationMs: Date.now() - started,
        ...(fields.error === undefined ? {} : { error: fields.error }),
      };
      try {
        this.options.audit(record);
      } catch (error) {
        this.options.log(`egress ${target.agent}: the end record for ${formatAuthority(target.host, target.port)} could not be written: ${explain(error)}`);
      }
    };
  }
}
