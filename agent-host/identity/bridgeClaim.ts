// The bridge's side of who a connection speaks for. Imported by the bridge-only bundle: no zod here (types only).
import type { NotificationNames, ParamsOf } from '../../common/protocol/define';
import { IDENTITY_NAME_PATTERN } from '../../common/protocol/identity';
import type { HostProtocol } from '../../common/protocol/methods';
import { encodeRpcFrame } from '../../common/wire/frame';

export const BRIDGE_IDENTITY = 'bridge.identity' satisfies NotificationNames<HostProtocol>;

/**
 * The first frame the bridge writes to the daemon, before any byte of its client: the name its forced command gave
 * (`--as`), or null. Every bridge sends one, so over a bound key the bridge's claim is always the connection's first
 * message and a client's own claim after it is refused. Throws on a name the daemon would refuse anyway.
 */
export function bridgeClaimFrame(as: string | undefined): Uint8Array {
  if (as !== undefined && !IDENTITY_NAME_PATTERN.test(as)) {
    throw new Error(`--as ${JSON.stringify(as)} is not a name (a lower-case letter, then up to 31 of a-z 0-9 . _ -)`);
  }
  const params: ParamsOf<HostProtocol, typeof BRIDGE_IDENTITY> = { as: as ?? null };
  return encodeRpcFrame({ jsonrpc: '2.0', method: BRIDGE_IDENTITY, params });
}
