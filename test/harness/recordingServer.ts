// What the fake model servers share: a loopback HTTP server that records every request (JSON body parsed when it is
// JSON) before the fake's handler answers it, and the pieces of their answers (ids, token estimates, SSE streams).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded<Body> {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none or it was not JSON. */
  body: Body | undefined;
  receivedAt: number;
}

export interface RecordingServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Called after each request is recorded and its handler has begun (a scripted turn function has run). */
  onRequest(listener: () => void): () => void;
  close(): Promise<void>;
}

export async function recordingServer<Body>(
  requests: Recorded<Body>[],
  handle: (request: Recorded<Body>, res: ServerResponse) => Promise<void>,
): Promise<RecordingServer> {
  const listeners = new Set<() => void>();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      let body: Body | undefined;
      try {
        body = parts.length > 0 ? (JSON.parse(Buffer.concat(parts).toString('utf8')) as Body) : undefined;
      } catch {
        body = undefined;
      }
      const recorded = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', headers: req.headers, body, receivedAt: Date.now() };
      requests.push(recorded);
      void handle(recorded, res).catch((error: unknown) => res.destroy(error instanceof Error ? error : undefined));
      for (const listener of listeners) listener();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Resolves once `requests` holds `count` entries, re-checked as each request arrives. */
export function receivedRequests(server: RecordingServer, requests: readonly unknown[], count: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (requests.length < count) return;
      stop();
      clearTimeout(timer);
      resolve();
    };
    const stop = server.onRequest(check);
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`the fake model got ${requests.length} requests, not ${count}, in ${timeoutMs} ms`));
    }, timeoutMs);
    check();
  });
}

export const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`;
/** About 4 characters a token, as usage is estimated when a script gives none. */
export const estimateTokens = (value: unknown): number => Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));

/** `text` in pieces of `size` characters (at least one piece), as a stream delivers it. */
export function chunks(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces.length > 0 ? pieces : [''];
}

/**
 * A server-sent event stream. `delayMs` paces it as a script asks (a slow gateway, a turn a test acts during): that
 * pause is the behaviour being played, not a wait for something else.
 */
export function sseStream(res: ServerResponse, delayMs: number) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return {
    async send(event: string, data: unknown): Promise<void> {
      if (res.destroyed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
    end: (): void => {
      res.end();
    },
  };
}
