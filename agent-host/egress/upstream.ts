// The proxy's connection to the origin: exactly the addresses the policy saw, in order, never a second look-up (so DNS
// rebinding cannot slip past the decision).
import { connect, type Socket } from 'node:net';
import { formatAuthority } from './addresses';
import type { AgentListener } from './agentListener';
import type { EgressTarget } from './egressTypes';
import { explain } from './proxyAnswers';
import { connectForRelay } from './splice';

/**
 * Tries the checked addresses in order; never looks the name up again. `relay`: the socket is only ever spliced to
 * the client (a tunnel), so it reads into a reused buffer; a plain request's is read by node:http.
 */
export async function connectUpstream(
  listener: AgentListener,
  target: EgressTarget,
  clientGone: () => boolean,
  { relay, timeoutMs }: { relay: boolean; timeoutMs: number },
): Promise<{ ok: true; socket: Socket; address: string } | { ok: false; reason: string }> {
  const authority = formatAuthority(target.host, target.port);
  if (target.addresses.length === 0) return { ok: false, reason: `cannot resolve ${target.host}: ${target.resolveError ?? 'no addresses'}` };
  const failures: string[] = [];
  for (const address of target.addresses) {
    if (clientGone() || listener.closing) return { ok: false, reason: 'the client went away before the origin was reached' };
    try {
      const socket = await connectOnce(listener, address, target.port, relay, timeoutMs);
      if (clientGone() || listener.closing) {
        socket.destroy();
        return { ok: false, reason: 'the client went away before the origin was reached' };
      }
      return { ok: true, socket, address };
    } catch (error) {
      // The address is already named: `ECONNREFUSED` says the rest.
      failures.push(`${formatAuthority(address, target.port)}: ${(error as NodeJS.ErrnoException).code ?? explain(error)}`);
    }
  }
  return { ok: false, reason: `cannot connect to ${authority}: ${failures.join('; ')}` };
}

function connectOnce(listener: AgentListener, address: string, port: number, relay: boolean, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // An IP literal: net does no look-up for it.
    const options = { host: address, port, allowHalfOpen: true, noDelay: true };
    const socket = relay ? connectForRelay(options) : connect(options);
    listener.upstreams.add(socket);
    const timer = setTimeout(() => socket.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (error) => reject(error));
    socket.once('close', () => {
      clearTimeout(timer);
      listener.upstreams.delete(socket);
      reject(new Error('closed before it connected'));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
}
