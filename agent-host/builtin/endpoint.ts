import { connect } from 'node:net';
import { agentEndpointProtocol, type AgentEndpointProtocol } from '../../common/protocol/agentEndpoint';
import { LocalError } from '../../common/wire/errors';
import { RpcPeer } from '../../common/wire/peer';
import { SocketTransport } from '../wire/socketTransport';

/** The agent's own endpoint on the daemon: every decision, audit, question and save goes through it. */
export type Endpoint = RpcPeer<AgentEndpointProtocol>;

export function connectEndpoint(socketPath: string): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      // No deadline: agent.ask and agent.nextMessage wait for a human, as long as it takes.
      resolve(new RpcPeer(agentEndpointProtocol, new SocketTransport(socket), { requestTimeoutMs: 0 }));
    });
  });
}

/** The endpoint is gone: the agent stops (the top level notices the close and exits 1), so nothing may swallow it. */
export const isEndpointClosed = (error: unknown): boolean => error instanceof LocalError && error.code === 'transport-closed';
