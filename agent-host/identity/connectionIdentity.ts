import { BridgeIdentityParams } from '../../common/protocol/identity';
import { WireError, WireErrorCode, errorMessage } from '../../common/wire/errors';
import { encodeRpcFrame } from '../../common/wire/frame';
import type { Transport } from '../../common/wire/transport';
import { describeZodIssues } from '../../common/zodIssues';
import type { AuditLog } from '../audit/auditLog';
import { statePaths, type HostConfig } from '../config';
import { ClaimGate } from './claimGate';
import { loadIdentities } from './identities';

/** What deciding on a claim needs from the daemon. */
export interface ClaimContext {
  readonly config: HostConfig;
  readonly audit: AuditLog;
  log(message: string): void;
}

/**
 * Who one daemon connection speaks for. A bridge started by a bound key's forced command claims its name in the
 * connection's first frame; the name must be in the identities file right now (read again for every claim), else
 * the connection is refused. Without a claim, or with `as: null`, the connection is unverified: it acts as the Unix
 * user, as before. A claim anywhere but first (a client speaking for itself behind the bridge) closes the connection.
 * Every refusal is audited as `identity.refused`; the connection closes even when that record cannot be written.
 */
export class ConnectionIdentity {
  private bound: string | undefined;
  private socket: Transport | undefined;

  constructor(
    private readonly clientId: string,
    private readonly context: ClaimContext,
  ) {}

  /** The person this connection's bridge is bound to; undefined when unverified. */
  get person(): string | undefined {
    return this.bound;
  }

  /** The transport for the connection's RpcPeer: `socket` with the bridge's claim taken out of it. */
  gate(socket: Transport): Transport {
    this.socket = socket;
    return new ClaimGate(socket, this.context.config.maxFrameBytes, (params) => this.claimed(params));
  }

  /** A bridge.identity the peer delivered: never the first frame (the gate took that one), so a violation. */
  lateClaim(as: string | null): void {
    this.refuse(as, 'bridge.identity is accepted only as the first message of a connection, which its bridge sends');
  }

  private claimed(params: unknown): boolean {
    const parsed = BridgeIdentityParams.safeParse(params);
    if (!parsed.success) return this.refuse(claimedName(params), `invalid bridge.identity: ${describeZodIssues(parsed.error)}`);
    const { as } = parsed.data;
    if (as === null) return true;
    const file = statePaths(this.context.config.stateDir).identities;
    let known: boolean;
    try {
      known = loadIdentities(file).people.some((person) => person.name === as);
    } catch (error) {
      return this.refuse(as, `the identities file cannot be used: ${errorMessage(error)}`);
    }
    if (!known) return this.refuse(as, `${as} is not listed in ${file}`);
    this.bound = as;
    this.context.log(`client ${this.clientId}: bound to ${as} by its bridge`);
    return true;
  }

  private refuse(claimed: string | null, problem: string): false {
    const message = `identity refused: ${problem}`;
    this.context.log(`client ${this.clientId}: ${message}`);
    try {
      this.context.audit.append({
        actor: 'host',
        action: 'identity.refused',
        target: `connection:${this.clientId}`,
        reason: problem,
        outcome: 'denied',
        data: { claimed, boundTo: this.bound ?? null },
      });
    } catch (error) {
      this.context.log(`client ${this.clientId}: the identity.refused record could not be written: ${errorMessage(error)}`);
    }
    // Told to the client before the connection ends, as JSON-RPC reports an error tied to no request (id null).
    const error = new WireError(WireErrorCode.InvalidRequest, message);
    this.socket?.write(encodeRpcFrame({ jsonrpc: '2.0', id: null, error: error.toJSON() }));
    this.socket?.close(error);
    return false;
  }
}

/** The name an invalid claim gave, cut short for the audit (it came from the client, unchecked). */
function claimedName(params: unknown): string | null {
  const as = typeof params === 'object' && params !== null ? (params as { as?: unknown }).as : undefined;
  return typeof as === 'string' ? as.slice(0, 64) : null;
}
