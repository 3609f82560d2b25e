import { connect, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import type { HelloResult, HostProtocol } from '../../common/protocol/methods';
import { hostProtocol } from '../../common/protocol/methods';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { RpcPeer } from '../../common/wire/peer';
import { HOST_VERSION } from '../version';
import { StreamTransport } from '../wire/stream-transport';

/** Resolves with a connected socket, or null when nothing listens there. */
export function tryConnect(socketPath: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(null);
    });
  });
}

/** A handshaken RPC peer on the daemon's socket, for the host's own commands (status). */
export async function openDaemonPeer(
  socketPath: string,
  clientName: string,
): Promise<{ peer: RpcPeer<HostProtocol>; hello: HelloResult } | null> {
  const socket = await tryConnect(socketPath);
  if (!socket) return null;
  const peer = new RpcPeer(hostProtocol, new StreamTransport(socket), { requestTimeoutMs: 10_000 });
  const hello = await peer.request('host.hello', {
    protocolVersion: PROTOCOL_VERSION,
    client: { name: clientName, version: HOST_VERSION, user: userInfo().username },
  });
  return { peer, hello };
}
