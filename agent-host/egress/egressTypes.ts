// What the egress proxy decides on and records, its limits and options: the contract between the proxy and the daemon.

/** Largest request head the proxy parses (request line + headers); larger ones get 431. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** A client must send a complete request head this soon after connecting, or it is dropped. */
export const DEFAULT_HEAD_TIMEOUT_MS = 30_000;
/** How long one TCP connect to one of the target's addresses may take before the next address is tried. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_CONNECTIONS_PER_AGENT = 256;
/** Longest path a Unix socket address holds on Linux (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;

export type EgressKind = 'connect' | 'http';

/** A request as the proxy parsed it, before any DNS look-up. */
export interface EgressName {
  agent: string;
  /** `connect`: a CONNECT tunnel (HTTPS, or any TCP); `http`: a plain request the proxy forwards. */
  kind: EgressKind;
  /** `CONNECT`, or the plain request's method. */
  method: string;
  /** Lower case, no IPv6 brackets, no trailing dot. */
  host: string;
  port: number;
  /** `host` is an IP literal. */
  ip: boolean;
}

/** What the policy decides on: the request plus every address the proxy would connect to. */
export interface EgressTarget extends EgressName {
  /** The addresses the proxy will try, in order — the only ones it will ever connect to for this request. */
  addresses: string[];
  /** Some address is loopback or unspecified (127/8, 0/8, ::1, ::, IPv4-in-IPv6 forms of those). */
  loopback: boolean;
  /** Some address is link-local (169.254/16 — cloud metadata —, fe80::/10, IPv4-in-IPv6 forms). */
  linkLocal: boolean;
  /** Why the name did not resolve (then `addresses` is empty and an allowed request ends in 502). */
  resolveError?: string;
}

export interface EgressDecision {
  allow: boolean;
  /** The rule that decided, named in the 403 body and the audit record (e.g. `egress.allow[2]`, `default`). */
  rule: string;
  reason: string;
}

export type EgressDenial = Omit<EgressDecision, 'allow'>;

/** What both records of one request say: which request, whose, to where. */
interface EgressRecordBase {
  /** Ties the decision to its end record. */
  id: string;
  /** ms since the epoch. */
  at: number;
  agent: string;
  kind: EgressKind;
  method: string;
  host: string;
  port: number;
}

/** Written when a request has been decided, before anything is sent anywhere. */
export interface EgressDecisionRecord extends EgressRecordBase {
  type: 'decision';
  /** Plain requests only: the path, query left out (it may carry secrets). */
  path?: string;
  addresses: string[];
  loopback: boolean;
  linkLocal: boolean;
  outcome: 'allowed' | 'denied';
  rule: string;
  reason: string;
}

/** Written once for each allowed request, when its connection to the origin is over (or could not be made). */
export interface EgressEndRecord extends EgressRecordBase {
  type: 'end';
  /** The address actually connected to. */
  address?: string;
  /** `failed`: the origin was never reached (nothing was sent); `completed`: it was, `error` says if it ended badly. */
  outcome: 'completed' | 'failed';
  /** Plain requests: the origin's status code. */
  status?: number;
  /** Bytes sent to the origin (request head and body, or tunnel bytes). */
  bytesUp: number;
  /** Bytes received from the origin. */
  bytesDown: number;
  /** From the request head's arrival to the end. */
  durationMs: number;
  error?: string;
}

export type EgressRecord = EgressDecisionRecord | EgressEndRecord;

export interface EgressProxyOptions {
  /** Decides each request (every plain request on a keep-alive connection too). A throw or rejection denies. */
  decide(target: EgressTarget): EgressDecision | Promise<EgressDecision>;
  /**
   * Optional check on the name alone, before the proxy resolves it: return a denial for names no rule could allow, so
   * that an agent cannot leak data through DNS queries for names of its choosing. `decide` is not called then.
   */
  beforeResolve?(name: EgressName): EgressDenial | undefined | Promise<EgressDenial | undefined>;
  /**
   * Writes a record, synchronously. If writing a decision record throws, the request is denied (rule `audit`) and no
   * connection is made; a throw on an end record is only logged.
   */
  audit(record: EgressRecord): void;
  log(message: string): void;
  /** Default 30 s. */
  headTimeoutMs?: number;
  /** Default 10 s per address. */
  connectTimeoutMs?: number;
  /**
   * Client connections one agent may hold open at once (tunnels included); more are refused at accept, so one agent
   * cannot run the daemon out of file descriptors. Default 256.
   */
  maxConnectionsPerAgent?: number;
  /** Resolves a host name to all its addresses (default: dns.lookup with `all`, in the resolver's order). */
  lookup?(host: string): Promise<string[]>;
}

/** One agent's way into the proxy. */
export interface EgressAgentHandle {
  readonly agent: string;
  readonly socketPath: string;
  /** Stops listening, ends this agent's live connections and tunnels, removes the socket file. */
  close(): Promise<void>;
}
