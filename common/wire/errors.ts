/**
 * Two kinds of error, kept apart on purpose: a WireError crosses the wire (numeric code, JSON-RPC style),
 * a LocalError never does (string code, raised by this process about its own state or transport).
 */

export const WireErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  HandshakeRequired: 1000,
  VersionMismatch: 1001,
  SessionNotFound: 1100,
  SessionExited: 1101,
  CommandNotFound: 1102,
  CwdNotFound: 1103,
  SpawnFailed: 1104,
  InputNotAllowed: 1105,
  NotAttached: 1106,
  RepoNotFound: 1200,
  RepoExists: 1201,
  GitFailed: 1202,
  RefNotFound: 1203,
  WorktreeDirty: 1204,
  AgentNotFound: 1300,
  AgentExists: 1301,
  ProfileNotFound: 1302,
  ConfigInvalid: 1303,
  AgentRunning: 1304,
  AgentNotRunning: 1305,
  /** A policy file (host, repo or role) that does not parse, validate, or that widens the policy above it. */
  PolicyInvalid: 1400,
  ApprovalNotFound: 1410,
  SandboxUnavailable: 1411,
  /** A runbook that does not parse or validate (data: file, line, key of each problem), or bad run parameters. */
  RunbookInvalid: 1500,
  RunbookNotFound: 1501,
  RunNotFound: 1510,
  /** What was asked does not fit the run's state (approve a plan of a running run, start steps of a cancelled one). */
  RunState: 1511,
  /** A submitted or edited plan that breaks the rules (unknown role, cycle, dangling or duplicate id). */
  PlanInvalid: 1512,
  InboxItemNotFound: 1520,
} as const;
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export type LocalErrorCode =
  | 'frame-too-large'
  | 'frame-empty'
  | 'frame-unknown-kind'
  | 'frame-malformed'
  | 'invalid-json'
  | 'invalid-message'
  | 'transport-closed'
  | 'request-timeout'
  | 'protocol-violation'
  | 'offset-gap';

export class LocalError extends Error {
  override readonly name = 'LocalError';
  constructor(
    readonly code: LocalErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
