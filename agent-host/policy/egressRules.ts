import type { EffectivePolicy, EgressAllowRule, RuleSource } from '../../common/protocol/policy';

/**
 * Egress allow entries and the decision the host's proxy takes per connection. An entry is a host name
 * (`api.example.com`), a suffix wildcard (`*.corp.example`: subdomains only, never the bare suffix), an IPv4 or IPv6
 * literal (`10.0.0.5`, `[::1]`), each with an optional `:port` (without one, any port). Names are compared
 * case-insensitively after WHATWG URL canonicalization (IDNA, IPv4 forms such as `127.1` or `2130706433`, IPv6
 * compression), so one host has one spelling. Loopback and link-local targets — 127.0.0.0/8, 0.0.0.0/8,
 * 169.254.0.0/16, ::1, ::, fe80::/10, IPv4-mapped forms of these, `localhost` and `*.localhost` — are reached only
 * through an entry naming that very host (never a wildcard, never egress.mode proxy), and the proxy says when a name
 * resolved to such an address (it resolves, then connects to what it checked).
 */

export interface EgressEntry {
  /** `exact`: host equals; `suffix`: host ends with `.${host}`. */
  kind: 'exact' | 'suffix';
  /** Canonical host (IPv6 without brackets) or, for a suffix, the part after `*.`. */
  host: string;
  /** null: any port. */
  port: number | null;
}

/** Parses an allow entry: the entry, or why it is not one. */
export function parseEgressEntry(raw: string): EgressEntry | string {
  const problem = 'is not a host, *.suffix or IP address with an optional :port';
  let hostPart = raw;
  let portPart: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracketed) {
    hostPart = bracketed[1]!;
    portPart = bracketed[2];
    if (!hostPart.includes(':')) return `${problem} (only IPv6 addresses go in brackets)`;
  } else if ((raw.match(/:/g) ?? []).length > 1) {
    return `${problem} (write IPv6 addresses in brackets: [::1], [::1]:8080)`;
  } else if (raw.includes(':')) {
    [hostPart, portPart] = raw.split(':') as [string, string];
    if (!/^\d+$/.test(portPart)) return `${problem} (the port must be a number)`;
  }
  let port: number | null = null;
  if (portPart !== undefined) {
    port = Number(portPart);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return `${problem} (ports are 1 to 65535)`;
  }
  const wildcard = hostPart.startsWith('*.');
  const name = wildcard ? hostPart.slice(2) : hostPart;
  if (name.includes('*')) return `${problem} (a * may only start the entry, as in *.corp.example)`;
  if (wildcard && name.includes(':')) return `${problem} (IP addresses take no wildcard)`;
  if (!name.includes(':') && !/^[A-Za-z0-9_.-]+$/.test(name)) return problem;
  const host = canonicalHost(name);
  if (host === undefined) return problem;
  if (wildcard && isIpLiteral(host)) return `${problem} (IP addresses take no wildcard)`;
  if (!name.includes(':') && /^\d+$/.test(name.split('.').pop() ?? '') && host !== name) {
    return `${problem} (write IPv4 addresses as four decimal numbers)`;
  }
  return { kind: wildcard ? 'suffix' : 'exact', host, port };
}

/** The canonical spelling of a host name or IP literal (brackets optional), or undefined when it is not one. */
export function canonicalHost(input: string): string | undefined {
  const bare = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (bare === '' || /[\s/?#@\\]/.test(bare)) return undefined;
  const name = bare.includes(':') ? bare : bare.replace(/\.$/, '');
  try {
    const hostname = new URL(`http://${name.includes(':') ? `[${name}]` : name}/`).hostname;
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

function isIpLiteral(host: string): boolean {
  return host.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

/** Loopback, link-local or unspecified: the VM itself or its link (cloud metadata services live there). */
export function isLocalHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (v4) return isLocalIPv4(Number(v4[1]), Number(v4[2]));
  if (!host.includes(':')) return false;
  const words = ipv6Words(host);
  if (!words) return true;
  if (words.slice(0, 7).every((word) => word === 0) && words[7]! <= 1) return true;
  if ((words[0]! & 0xffc0) === 0xfe80) return true;
  const embedsV4 = words.slice(0, 5).every((word) => word === 0) && (words[5] === 0xffff || words[5] === 0);
  return embedsV4 && isLocalIPv4(words[6]! >> 8, words[6]! & 0xff);
}

function isLocalIPv4(first: number, second: number): boolean {
  return first === 127 || first === 0 || (first === 169 && second === 254);
}

/** Eight 16-bit words of a canonical IPv6 address (as URL prints it), or undefined. */
function ipv6Words(host: string): number[] | undefined {
  const [head = '', tail] = host.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((word) => parseInt(word, 16)));
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  const words = tail === undefined ? first : [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
  return words.length === 8 && words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff) ? words : undefined;
}

/** The entry as people write it back: `*.corp.example:443`, `[::1]:8080`. */
export function formatEgressEntry(entry: EgressEntry): string {
  const host = entry.kind === 'suffix' ? `*.${entry.host}` : entry.host.includes(':') ? `[${entry.host}]` : entry.host;
  return entry.port === null ? host : `${host}:${entry.port}`;
}

function portCovers(wider: EgressEntry, narrower: EgressEntry): boolean {
  return wider.port === null || wider.port === narrower.port;
}

/** Whether every destination the narrower entry allows, the wider one allows too. */
export function egressCovers(wider: EgressEntry, narrower: EgressEntry): boolean {
  if (!portCovers(wider, narrower)) return false;
  if (wider.kind === 'exact') return narrower.kind === 'exact' && narrower.host === wider.host;
  return narrower.host === wider.host ? narrower.kind === 'suffix' : narrower.host.endsWith(`.${wider.host}`);
}

/** Whether the wider entry names the narrower one's host literally, so it may reach it when it is local. */
export function egressNamesLiterally(wider: EgressEntry, narrower: EgressEntry): boolean {
  return wider.kind === 'exact' && narrower.kind === 'exact' && wider.host === narrower.host && portCovers(wider, narrower);
}

export interface EgressDecision {
  allow: boolean;
  /** The rule that decided: an allow entry, `egress.mode proxy|off`, or why nothing allowed it. */
  rule: string;
  source?: RuleSource;
  /** For the audit record and the 403 body. */
  reason: string;
}

const compiledAllow = new WeakMap<readonly EgressAllowRule[], { rule: EgressAllowRule; entry: EgressEntry }[]>();

function compileAllow(rules: readonly EgressAllowRule[]) {
  let compiled = compiledAllow.get(rules);
  if (!compiled) {
    compiled = rules.flatMap((rule) => {
      const entry = parseEgressEntry(rule.value);
      return typeof entry === 'string' ? [] : [{ rule, entry }];
    });
    compiledAllow.set(rules, compiled);
  }
  return compiled;
}

/**
 * Whether an agent may open `host:port` through the egress proxy. `resolvedIsLoopbackOrLinkLocal`: the proxy
 * resolved a name to a loopback or link-local address, so the name counts as local.
 */
export function matchEgress(
  policy: EffectivePolicy,
  host: string,
  port: number,
  opts: { resolvedIsLoopbackOrLinkLocal: boolean },
): EgressDecision {
  const mode = policy.egress.mode;
  const target = `${host}:${port}`;
  if (mode.value === 'off') {
    return { allow: true, rule: 'egress.mode off', source: mode.source, reason: 'egress.mode is off: the network is not isolated' };
  }
  const canonical = canonicalHost(host);
  if (canonical === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    return { allow: false, rule: 'invalid-destination', reason: `${JSON.stringify(target)} is not a valid host and port` };
  }
  const local = isLocalHost(canonical) || opts.resolvedIsLoopbackOrLinkLocal;
  const wanted: EgressEntry = { kind: 'exact', host: canonical, port };
  for (const { rule, entry } of compileAllow(policy.egress.allow)) {
    const allowed = local ? rule.local && egressNamesLiterally(entry, wanted) : egressCovers(entry, wanted);
    if (allowed) return { allow: true, rule: rule.value, source: rule.source, reason: `${target} is allowed by egress.allow ${rule.value}` };
  }
  if (local) {
    return {
      allow: false,
      rule: 'local-target-not-listed',
      reason: `${target} is a loopback or link-local destination, reachable only when egress.allow names ${canonical} itself`,
    };
  }
  if (mode.value === 'proxy') {
    return { allow: true, rule: 'egress.mode proxy', source: mode.source, reason: `${target} is allowed: egress.mode is proxy (every destination, audited)` };
  }
  return { allow: false, rule: 'not-in-egress-allow', source: mode.source, reason: `${target} is not in egress.allow (egress.mode strict)` };
}
