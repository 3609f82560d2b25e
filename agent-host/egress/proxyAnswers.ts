// What the proxy writes back and forwards: hop-by-hop headers dropped, denials and failures answered in plain text.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { formatAuthority } from './addresses';
import type { EgressDecision, EgressName } from './egressTypes';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    joined
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Hop-by-hop headers (RFC 9110 §7.6.1), the ones `Connection` names, and every `Proxy-*` header stay here. */
function isHopByHop(name: string, listed: Set<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || listed.has(name);
}

export function requestHeaders(headers: IncomingHttpHeaders, hostHeader: string): OutgoingHttpHeaders {
  const listed = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && name !== 'host' && !isHopByHop(name, listed)) out[name] = value;
  }
  out.host = hostHeader;
  if (headers['transfer-encoding'] !== undefined) {
    // node:http hands over the decoded body; it is chunked again on the way out.
    delete out['content-length'];
    out['transfer-encoding'] = 'chunked';
  }
  return out;
}

/** The origin's response headers as a flat [name, value, …] list (case and repeats kept), minus hop-by-hop ones. */
export function responseHeaders(message: IncomingMessage): string[] {
  const listed = connectionTokens(message.headers.connection);
  const out: string[] = [];
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (!isHopByHop(name.toLowerCase(), listed)) out.push(name, raw[i + 1] ?? '');
  }
  return out;
}

function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

export function explain(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

export function denialText(name: EgressName, decision: EgressDecision): string {
  return [
    `Flightdeck egress proxy: ${name.method} ${formatAuthority(name.host, name.port)} denied for agent ${name.agent}.`,
    `rule: ${decision.rule}`,
    `reason: ${decision.reason}`,
    '',
  ].join('\n');
}

export function plainAnswer(res: ServerResponse, status: number, body: string, rule?: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const payload = Buffer.from(body.endsWith('\n') ? body : `${body}\n`);
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': payload.length,
    ...(rule === undefined ? {} : { 'x-flightdeck-egress-rule': headerSafe(rule) }),
  });
  res.end(payload);
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 502: 'Bad Gateway' };

/** An answer on a socket that left node:http's hands (CONNECT); the connection is closed after it. */
export function rawAnswer(socket: Socket, status: number, body: string, rule?: string): void {
  if (socket.destroyed) return;
  const payload = Buffer.from(body.endsWith('\n') ? body : `${body}\n`);
  const head =
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${payload.length}\r\n` +
    (rule === undefined ? '' : `X-Flightdeck-Egress-Rule: ${headerSafe(rule)}\r\n`) +
    'Connection: close\r\n\r\n';
  // Read and drop whatever the client sent ahead (a TLS hello, say): closing with unread input would reset the
  // connection and could throw the answer away before the client reads it. The socket closes when the client does;
  // one that never does is cut off after a while.
  socket.resume();
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
  setTimeout(() => socket.destroy(), 5_000).unref();
}
