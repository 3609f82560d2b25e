import { connect, type Socket } from 'node:net';
import { AGENT_ENV, agentEndpointProtocol, type AgentEndpointProtocol, type AgentHello } from '../../common/protocol/agentEndpoint';
import { LocalError } from '../../common/wire/errors';
import { RpcPeer } from '../../common/wire/peer';
import { SocketTransport } from '../wire/socketTransport';

export type EndpointPeer = RpcPeer<AgentEndpointProtocol>;

/** How a CLI agent's helpers (its hooks, its MCP endpoint) reach the agent's own endpoint. */
export interface EndpointAddress {
  socketPath: string;
  token: string;
}

/** The endpoint's address from the environment the host gave the agent, or the name of the variable that is missing. */
export function endpointFromEnv(env: NodeJS.ProcessEnv): EndpointAddress | { missing: string } {
  const socketPath = env[AGENT_ENV.socket];
  const token = env[AGENT_ENV.token];
  if (!socketPath) return { missing: AGENT_ENV.socket };
  if (!token) return { missing: AGENT_ENV.token };
  return { socketPath, token };
}

function connectSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            socket.destroy();
            reject(new LocalError('request-timeout', `no connection to ${path} within ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * A peer on the agent's endpoint that has said hello with its token and role, and what the host answered. Requests
 * time out after `requestTimeoutMs` (0: never) unless a call says otherwise.
 */
export async function greetEndpoint(address: EndpointAddress, role: 'hook' | 'mcp', requestTimeoutMs: number): Promise<{ peer: EndpointPeer; hello: AgentHello }> {
  const socket = await connectSocket(address.socketPath, requestTimeoutMs);
  const peer = new RpcPeer(agentEndpointProtocol, new SocketTransport(socket), { requestTimeoutMs });
  try {
    return { peer, hello: await peer.request('agent.hello', { token: address.token, role }) };
  } catch (error) {
    peer.close();
    throw error;
  }
}

/** A peer on the agent's endpoint that has said hello (greetEndpoint), for helpers that need nothing of the answer. */
export async function openEndpoint(address: EndpointAddress, role: 'hook' | 'mcp', requestTimeoutMs: number): Promise<EndpointPeer> {
  return (await greetEndpoint(address, role, requestTimeoutMs)).peer;
}
