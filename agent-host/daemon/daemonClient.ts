import { userInfo } from 'node:os';
import type { HelloResult, HostProtocol } from '../../common/protocol/methods';
import { hostProtocol } from '../../common/protocol/methods';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { RpcPeer } from '../../common/wire/peer';
import { HOST_VERSION } from '../version';
import { SocketTransport } from '../wire/socketTransport';
import { tryConnect } from '../bridge/socketBridge';

/** A handshaken RPC peer on the daemon's socket, for the host's own commands (status). */
export async function openDaemonPeer(
  socketPath: string,
  clientName: string,
): Promise<{ peer: RpcPeer<HostProtocol>; hello: HelloResult } | null> {
  const socket = await tryConnect(socketPath);
  if (!socket) return null;
  const peer = new RpcPeer(hostProtocol, new SocketTransport(socket), { requestTimeoutMs: 10_000 });
  const hello = await peer.request('host.hello', {
    protocolVersion: PROTOCOL_VERSION,
    client: { name: clientName, version: HOST_VERSION, user: userInfo().username },
  });
  return { peer, hello };
}
