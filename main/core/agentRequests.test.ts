import { describe, expect, it } from 'vitest';
import { hostProtocol, type HelloResult, type HostProtocol } from '../../common/protocol/methods';
import { RpcPeer } from '../../common/wire/peer';
import { createMemoryTransportPair } from '../../common/wire/transport';
import type { Lane } from '../fleet/lane';
import { agentRequests } from './agentRequests';

function hostWith(capabilities: string[]): { lanes: (host: string) => Promise<Lane>; host: RpcPeer<HostProtocol> } {
  const [a, b] = createMemoryTransportPair();
  const client = new RpcPeer<HostProtocol>(hostProtocol, a);
  const host = new RpcPeer<HostProtocol>(hostProtocol, b);
  const hello = { capabilities, hostVersion: '0.0.9' } as HelloResult;
  return { lanes: () => Promise.resolve({ peer: client, hello, direct: false, close: () => client.close() }), host };
}

describe('agent requests', () => {
  it('passes the request on without the host name, and answers with the host result', async () => {
    const { lanes, host } = hostWith(['agents']);
    const seen: unknown[] = [];
    host.handle('agent.send', (params) => {
      seen.push(params);
      return { delivery: 'answered' as const };
    });
    host.handle('agent.remove', (params) => {
      seen.push(params);
      return {};
    });
    const handlers = agentRequests(lanes);
    await expect(handlers['agents.send']({ host: 'vm', agent: 'fix', text: 'yes' })).resolves.toEqual({ delivery: 'answered' });
    await expect(handlers['agents.remove']({ host: 'vm', agent: 'fix', force: false })).resolves.toEqual({});
    expect(seen).toEqual([
      { agent: 'fix', text: 'yes' },
      { agent: 'fix', force: false },
    ]);
  });

  it('says to upgrade an agent-host that has no agents, instead of "unknown method"', async () => {
    const { lanes } = hostWith(['sessions']);
    await expect(agentRequests(lanes)['profiles.list']({ host: 'vm' })).rejects.toMatchObject({
      code: 'version-mismatch',
      message: expect.stringContaining('flightdeck host upgrade vm'),
    });
  });
});
