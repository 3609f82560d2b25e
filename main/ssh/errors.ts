/** Why reaching a host failed, in codes the UI and CLI can act on; messages name the cause in words. */
export type FleetErrorCode =
  | 'unreachable'
  | 'auth-failed'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'host-key-revoked'
  | 'host-key-rejected'
  | 'connection-lost'
  | 'node-missing'
  | 'agent-host-failed'
  | 'agent-host-start-failed'
  | 'agent-host-unavailable'
  | 'channel-refused'
  | 'version-mismatch'
  | 'host-not-found'
  | 'session-not-found'
  | 'host-exists'
  | 'invalid-host'
  | 'not-connected'
  | 'upgrade-refused'
  | 'closed'
  | 'audit-alarm';

export class FleetError extends Error {
  override readonly name = 'FleetError';
  constructor(
    readonly code: FleetErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Failures that a retry cannot fix without the human: reconnecting would only hammer the host. */
export function isPermanent(error: unknown): boolean {
  return (
    error instanceof FleetError &&
    ['auth-failed', 'host-key-unknown', 'host-key-changed', 'host-key-revoked', 'host-key-rejected', 'node-missing', 'version-mismatch', 'invalid-host', 'agent-host-start-failed', 'agent-host-unavailable'].includes(
      error.code,
    )
  );
}
