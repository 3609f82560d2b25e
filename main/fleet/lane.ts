import { hostProtocol, type ClientIdentity, type HelloResult, type HostProtocol } from '../../common/protocol/methods';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { WireError, WireErrorCode, errorMessage } from '../../common/wire/errors';
import { RpcPeer } from '../../common/wire/peer';
import { FleetError, isPermanent } from '../ssh/errors';
import type { BridgeTransport } from './bridgeTransport';
import { debug } from './debug';
import type { Link } from './link';

/** One stream to the daemon with the handshake done: an RpcPeer speaking the host protocol. */
export interface Lane {
  peer: RpcPeer<HostProtocol>;
  hello: HelloResult;
  /** Straight to the daemon's socket; false: through a bridge process. */
  direct: boolean;
  close(): void;
}

const HELLO_TIMEOUT_MS = 30_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A lane to the host's daemon. The bridge comes first (it checks the state dir, starts the daemon and names the
 * person a bound key speaks for); when the daemon then offers its socket, the lane moves onto a direct stream to it,
 * which takes one process hop out of every keystroke and every byte of output each way, and the bridge exits.
 * Where that stream cannot be opened (sshd forbids forwarding) the bridge lane stays.
 */
export async function openLane(link: Link, client: ClientIdentity): Promise<Lane> {
  const bridged = await handshake(link, await link.openBridge(), client, false);
  const socket = bridged.hello.directSocket;
  if (!socket) return bridged;
  let direct: Lane;
  try {
    direct = await handshake(link, await link.openDirect(socket), client, true);
  } catch (error) {
    debug(`${link.description}: staying on the bridge, the daemon's socket cannot be opened directly: ${errorMessage(error)}`);
    return bridged;
  }
  // The socket must lead to the daemon the bridge reached; anything else is not this host's daemon.
  if (direct.hello.hostId !== bridged.hello.hostId || direct.hello.pid !== bridged.hello.pid) {
    direct.close();
    debug(`${link.description}: staying on the bridge, ${socket} answered as another daemon (pid ${direct.hello.pid})`);
    return bridged;
  }
  bridged.close();
  return direct;
}

async function handshake(link: Link, transport: BridgeTransport, client: ClientIdentity, direct: boolean): Promise<Lane> {
  const peer = new RpcPeer(hostProtocol, transport, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  try {
    const hello = await peer.request(
      'host.hello',
      { protocolVersion: PROTOCOL_VERSION, client, capabilities: [] },
      { timeoutMs: HELLO_TIMEOUT_MS },
    );
    return { peer, hello, direct, close: () => peer.close() };
  } catch (error) {
    peer.close();
    // The bridge said why it ended and that a retry cannot help (the daemon it started died at once).
    const ended = transport.endError;
    if (ended instanceof FleetError && isPermanent(ended)) throw new FleetError(ended.code, `agent-host on ${link.description}: ${ended.message}`);
    if (error instanceof WireError && error.code === WireErrorCode.VersionMismatch) {
      throw new FleetError('version-mismatch', `agent-host on ${link.description} speaks another protocol version: ${error.message}`);
    }
    const stderr = transport.stderr.trim();
    throw new FleetError(
      'agent-host-failed',
      `agent-host on ${link.description} did not answer the handshake: ${errorMessage(error)}${stderr ? `; it said: ${stderr}` : ''}`,
    );
  }
}
