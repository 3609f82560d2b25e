// Targets as the egress proxy sees them: CONNECT authorities and absolute http:// URLs parsed into a normalised host and
// port, and IP addresses classified as loopback or link-local (IPv4-mapped, IPv4-compatible and NAT64 forms included),
// so the policy can allow those only when a rule names them explicitly.
import { isIP } from 'node:net';

/** Where a request wants to go, as the proxy normalised it. */
export interface ParsedTarget {
  /** Lower case, no IPv6 brackets, no trailing dot. */
  host: string;
  port: number;
  /** The host is an IP literal (no DNS look-up needed). */
  ip: boolean;
}

export interface ParsedHttpTarget extends ParsedTarget {
  /** Path and query sent to the origin (origin-form). */
  path: string;
  /** The Host header the origin receives: the URL's authority. */
  hostHeader: string;
}

export type Parsed<T> = { ok: true; target: T } | { ok: false; reason: string };

/** DNS names: letters, digits, `-`, `_` (seen in the wild) and dots; no empty labels. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

function normaliseHost(raw: string): Parsed<{ host: string; ip: boolean }> {
  let host = raw.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) return { ok: false, reason: `${raw} is not an IPv6 address` };
    return { ok: true, target: { host, ip: true } };
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (isIP(host) === 4) return { ok: true, target: { host, ip: true } };
  if (!HOST_NAME.test(host)) return { ok: false, reason: `${JSON.stringify(raw)} is not a host name` };
  return { ok: true, target: { host, ip: false } };
}

function parsePort(raw: string): number | undefined {
  if (!/^\d{1,5}$/.test(raw)) return undefined;
  const port = Number(raw);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** `host:port` or `[v6]:port`, as in `CONNECT host:port HTTP/1.1`; the port is required. */
export function parseConnectAuthority(authority: string): Parsed<ParsedTarget> {
  const match = /^(\[[^\]]*\]|[^:[\]]+):([^:]*)$/.exec(authority);
  if (!match) return { ok: false, reason: `CONNECT needs host:port, not ${JSON.stringify(authority.slice(0, 300))}` };
  const port = parsePort(match[2] ?? '');
  if (port === undefined) return { ok: false, reason: `${JSON.stringify(match[2])} is not a port` };
  const host = normaliseHost(match[1] ?? '');
  if (!host.ok) return host;
  return { ok: true, target: { ...host.target, port } };
}

/** An absolute-form request target (`GET http://host:port/path HTTP/1.1`), which is what a client sends a proxy. */
export function parseAbsoluteHttpUrl(requestTarget: string): Parsed<ParsedHttpTarget> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(requestTarget)) {
    return {
      ok: false,
      reason: 'this is an egress proxy: send absolute-form requests (GET http://host/path) or CONNECT host:port',
    };
  }
  let url: URL;
  try {
    url = new URL(requestTarget);
  } catch {
    return { ok: false, reason: `${JSON.stringify(requestTarget.slice(0, 300))} is not a URL` };
  }
  if (url.protocol !== 'http:') {
    return { ok: false, reason: `${url.protocol}// URLs are not proxied as plain requests: use CONNECT (HTTPS_PROXY) for TLS` };
  }
  // The WHATWG parser has already lower-cased the host, applied IDNA and normalised numeric IPv4 forms.
  const host = normaliseHost(url.hostname);
  if (!host.ok) return host;
  const port = url.port === '' ? 80 : parsePort(url.port);
  if (port === undefined) return { ok: false, reason: `${JSON.stringify(url.port)} is not a port` };
  return { ok: true, target: { ...host.target, port, path: `${url.pathname}${url.search}`, hostHeader: url.host } };
}

/** The authority for `CONNECT` and the Host header: IPv6 literals in brackets. */
export function formatAuthority(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface AddressClass {
  /** 127.0.0.0/8, 0.0.0.0/8 (Linux connects 0.0.0.0 to the local host), ::1, :: and their IPv4-in-IPv6 forms. */
  loopback: boolean;
  /** 169.254.0.0/16 (cloud metadata services live here), fe80::/10 and IPv4-in-IPv6 forms. */
  linkLocal: boolean;
}

function classifyV4(bytes: readonly number[]): AddressClass {
  const [a, b] = bytes;
  return { loopback: a === 127 || a === 0, linkLocal: a === 169 && b === 254 };
}

function parseV4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.map(Number);
}

/** The 16 bytes of an IPv6 address (zone id ignored), or undefined when it is not one. */
export function parseV6(text: string): number[] | undefined {
  let address = text;
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (isIP(address) !== 6) return undefined;
  let tail: number[] = [];
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(address.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = address.split('::');
  const groups = (part: string | undefined): number[] => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const before = groups(head);
  const after = groups(rest);
  const words = rest === undefined ? before : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  if (words.length !== 8) return undefined;
  const bytes = words.flatMap((word) => [word >> 8, word & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Whether connecting to `address` (an IP literal) would reach this machine or its link. */
export function classifyAddress(address: string): AddressClass {
  const v4 = parseV4(address);
  if (v4) return classifyV4(v4);
  const bytes = parseV6(address);
  // Not an IP address: say "local" so that a policy which allows local targets only by name stays closed.
  if (!bytes) return { loopback: true, linkLocal: true };
  const zeroUpTo = (n: number): boolean => bytes.slice(0, n).every((byte) => byte === 0);
  const embedded = bytes.slice(12);
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64) carry an IPv4 target.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return classifyV4(embedded);
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && bytes.slice(4, 12).every((byte) => byte === 0)) {
    return classifyV4(embedded);
  }
  if (zeroUpTo(15)) return { loopback: true, linkLocal: false }; // :: and ::1
  // ::a.b.c.d (deprecated IPv4-compatible form).
  if (zeroUpTo(12)) return classifyV4(embedded);
  return { loopback: false, linkLocal: bytes[0] === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80 };
}
