// Real sockets for the egress tests: origin servers that count what reaches them, a proxy wired to recording policy
// and audit callbacks, a forwarder in front of it, curl, and raw CONNECT clients. Everything waits on events.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  EgressProxy,
  type EgressAgentHandle,
  type EgressDecision,
  type EgressProxyOptions,
  type EgressRecord,
  type EgressTarget,
} from '../egressProxy';
import { startForwarders, type Forwarders, type TunnelSpec } from '../forwarder';

/** A list whose future entries can be awaited. */
export class Recorder<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the first entry (present or future) that matches. */
  waitFor<S extends T>(match: (item: T) => item is S, timeoutMs?: number): Promise<S>;
  waitFor(match: (item: T) => boolean, timeoutMs?: number): Promise<T>;
  waitFor(match: (item: T) => boolean, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.items.find(match);
        if (found === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching entry in ${timeoutMs} ms; have ${JSON.stringify(this.items)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Origin {
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function trackConnections(server: Server, origin: { connections: number }, sockets: Set<Socket>): void {
  server.on('connection', (socket: Socket) => {
    origin.connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

/** An HTTP origin on 127.0.0.1 answering `hello <method> <url>` (plus the request body) to everything. */
export async function httpOrigin(): Promise<Origin> {
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const server = createHttpServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-origin': 'yes' });
      res.end(`hello ${req.method ?? ''} ${req.url ?? ''}${body ? ` ${body}` : ''}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin: Origin = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    requests,
    close: () => closeServer(server, sockets),
  };
  trackConnections(server, origin, sockets);
  return origin;
}

/** A TCP echo server on 127.0.0.1. */
export async function echoOrigin(): Promise<Origin> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin: Origin = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    requests: [],
    close: () => closeServer(server, sockets),
  };
  trackConnections(server, origin, sockets);
  return origin;
}

/** A port on 127.0.0.1 where nothing listens (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ProxyRig {
  dir: string;
  proxy: EgressProxy;
  agent: EgressAgentHandle;
  forwarders: Forwarders;
  /** Every target the policy was asked about. */
  decided: EgressTarget[];
  audit: Recorder<EgressRecord>;
  logs: string[];
  /** http://127.0.0.1:PORT of the forwarder's HTTP proxy listener. */
  proxyUrl: string;
  close(): Promise<void>;
}

export interface RigOptions extends Partial<Omit<EgressProxyOptions, 'decide' | 'audit' | 'log'>> {
  /** The policy; default: allow everything as rule `test.allow`. */
  decide?: (target: EgressTarget) => EgressDecision | Promise<EgressDecision>;
  /** Runs before each record is kept; throw to make the audit write fail. */
  beforeAudit?: (record: EgressRecord) => void;
  tunnels?: TunnelSpec[];
  agent?: string;
}

/** A proxy, one agent's socket and a forwarder in front of it (as the sandbox would run it). */
export async function proxyRig(options: RigOptions = {}): Promise<ProxyRig> {
  const { decide, beforeAudit, tunnels = [], agent: agentName = 'agent-1', ...rest } = options;
  const dir = mkdtempSync(join(tmpdir(), 'egress-'));
  const decided: EgressTarget[] = [];
  const audit = new Recorder<EgressRecord>();
  const logs: string[] = [];
  const proxy = new EgressProxy({
    ...rest,
    decide: (target) => {
      decided.push(target);
      return decide ? decide(target) : { allow: true, rule: 'test.allow', reason: 'everything is allowed in this test' };
    },
    audit: (record) => {
      beforeAudit?.(record);
      audit.push(record);
    },
    log: (message) => logs.push(message),
  });
  const agent = await proxy.openAgent(agentName, join(dir, 'egress.sock'));
  const forwarders = await startForwarders({ proxySocket: agent.socketPath, httpProxyPort: 0, tunnels, log: (message) => logs.push(message) });
  return {
    dir,
    proxy,
    agent,
    forwarders,
    decided,
    audit,
    logs,
    proxyUrl: `http://127.0.0.1:${forwarders.httpProxyPort}`,
    async close() {
      await forwarders.close();
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** /usr/bin/curl with only the given environment (no curlrc, no inherited NO_PROXY). */
export function curl(args: string[], env: Record<string, string> = {}): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/curl',
      ['-q', '--silent', '--show-error', '--max-time', '20', ...args],
      { env: { PATH: '/usr/bin:/bin', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Proxy variables as an agent's environment would carry them (curl reads only the lower-case http_proxy). */
export function proxyEnv(proxyUrl: string): Record<string, string> {
  return { http_proxy: proxyUrl, HTTP_PROXY: proxyUrl, https_proxy: proxyUrl, HTTPS_PROXY: proxyUrl };
}

export function connectTo(where: { path: string } | { port: number; host?: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = 'path' in where ? connect(where.path) : connect(where.port, where.host ?? '127.0.0.1');
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Reads one response head; bytes after it are put back. */
export function readHead(socket: Socket): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      cleanup();
      const head = buffered.subarray(0, end).toString('latin1');
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head });
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`the connection ended before a response head: ${JSON.stringify(buffered.toString('latin1'))}`));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
  });
}

/** Everything the peer sends until it ends the connection. */
export function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    socket.on('data', (part: Buffer) => parts.push(part));
    socket.once('close', () => resolve(Buffer.concat(parts).toString('utf8')));
    socket.on('error', () => undefined);
    socket.resume();
  });
}

/** Reads until `expected.length` bytes arrived. */
export function readBytes(socket: Socket, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < length) return;
      socket.off('data', onData);
      socket.pause();
      resolve(buffered.toString('utf8'));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${buffered.length} of ${length} bytes`)));
    socket.resume();
  });
}

export function closed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Closes what a test opened, newest first, after each test of the describe block it is called in. */
export function useCleanups(): <T extends { close(): Promise<void> }>(thing: T) => T {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (thing) => {
    cleanups.push(() => thing.close());
    return thing;
  };
}
