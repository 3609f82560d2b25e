import { hostProtocol, type ClientIdentity, type HelloResult, type HostProtocol } from '../../common/protocol/methods';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { WireError, WireErrorCode, errorMessage } from '../../common/wire/errors';
import { RpcPeer } from '../../common/wire/peer';
import { FleetError, isPermanent } from '../ssh/errors';
import type { Link } from './link';

/** One bridge stream with the handshake done: an RpcPeer speaking the host protocol. */
export interface Lane {
  peer: RpcPeer<HostProtocol>;
  hello: HelloResult;
  close(): void;
}

const HELLO_TIMEOUT_MS = 30_000;
export const REQUEST_TIMEOUT_MS = 30_000;

export async function openLane(link: Link, client: ClientIdentity): Promise<Lane> {
  const transport = await link.openBridge();
  const peer = new RpcPeer(hostProtocol, transport, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  try {
    const hello = await peer.request(
      'host.hello',
      { protocolVersion: PROTOCOL_VERSION, client, capabilities: [] },
      { timeoutMs: HELLO_TIMEOUT_MS },
    );
    return { peer, hello, close: () => peer.close() };
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
