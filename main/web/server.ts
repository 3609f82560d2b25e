import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import type { Transport } from '../../common/wire/transport';
import { securityHeaders } from '../electron/csp';
import { readStaticFile } from './staticFiles';
import { ServerWebSocketTransport } from './wsTransport';

export interface WebServerOptions {
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** Runs the AppApi over one browser connection (serveAppTransport from the core). */
  serve(transport: Transport): void;
  /** 0 picks a free port. */
  port?: number;
  /** Default: 32 random bytes, hex. */
  token?: string;
}

export interface WebServer {
  port: number;
  token: string;
  /** Open this in a browser: it carries the token. */
  url: string;
  connections(): number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Browser mode: the renderer over plain http and the AppApi over a WebSocket, on 127.0.0.1 only.
 * The socket demands the token from the printed URL and an Origin of this very server, so neither
 * another local user's browser tab nor a web page (DNS rebinding included) can drive the fleet.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const rendererDir = resolve(options.rendererDir);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  let port = 0;
  const ownOrigins = () => new Set([`http://${HOST}:${port}`, `http://localhost:${port}`]);
  const ownHosts = () => new Set([`${HOST}:${port}`, `localhost:${port}`]);

  const server = createServer((request, response) => void serveFile(request, response));

  async function serveFile(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!ownHosts().has(request.headers.host ?? '')) return refuse(response, 421, 'unexpected Host header');
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'method not allowed');
    const path = new URL(request.url ?? '/', `http://${HOST}`).pathname;
    const file = await readStaticFile(rendererDir, path);
    if (!file) return refuse(response, 404, 'not found');
    response.writeHead(200, {
      ...securityHeaders({ webSocketOrigin: `ws://${HOST}:${port}` }),
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
      'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  }

  server.on('upgrade', (request, socket, head) => {
    const verdict = checkUpgrade(request, token, ownOrigins(), ownHosts());
    if (verdict) {
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => options.serve(new ServerWebSocketTransport(ws)));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    connections: () => sockets.clients.size,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((done) => sockets.close(() => done()));
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function refuse(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
  response.end(`${message}\n`);
}

/** Why an upgrade is refused, or null to accept. */
export function checkUpgrade(
  request: IncomingMessage,
  token: string,
  origins: Set<string>,
  hosts: Set<string>,
): { status: number; reason: string } | null {
  const url = new URL(request.url ?? '/', `http://${HOST}`);
  if (url.pathname !== '/ws') return { status: 404, reason: 'Not Found' };
  if (!hosts.has(request.headers.host ?? '')) return { status: 421, reason: 'Misdirected Request' };
  if (!origins.has(request.headers.origin ?? '')) return { status: 403, reason: 'Forbidden' };
  if (!sameSecret(url.searchParams.get('token') ?? '', token)) return { status: 401, reason: 'Unauthorized' };
  return null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
