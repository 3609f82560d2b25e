import { describe, expect, it } from 'vitest';
import { ZERO_USAGE, type AgentEvent, type AgentInfo } from '../../common/protocol/agents';
import { hostProtocol, type HelloResult, type HostProtocol } from '../../common/protocol/methods';
import { RpcPeer } from '../../common/wire/peer';
import { createMemoryTransportPair } from '../../common/wire/transport';
import { AgentRoster } from './agentRoster';
import type { Lane } from './lane';

const agent = (name: string, status: AgentInfo['status'], createdAt: number): AgentInfo => ({
  name,
  profile: 'shell',
  kind: 'command',
  repo: 'app',
  branch: `flightdeck/${name}`,
  baseCommit: 'abc',
  worktree: `/w/${name}`,
  task: 'task',
  model: null,
  sessionId: `s-${name}`,
  status,
  question: null,
  queuedMessages: 0,
  usage: ZERO_USAGE,
  costUsd: null,
  turns: 0,
  confinement: null,
  createdAt,
  updatedAt: createdAt,
});

function lane(capabilities: string[]): { lane: Lane; host: RpcPeer<HostProtocol> } {
  const [a, b] = createMemoryTransportPair();
  const client = new RpcPeer<HostProtocol>(hostProtocol, a);
  const host = new RpcPeer<HostProtocol>(hostProtocol, b);
  const hello = { capabilities, hostVersion: '0.1.0' } as HelloResult;
  return { lane: { peer: client, hello, direct: false, close: () => client.close() }, host };
}

describe('AgentRoster', () => {
  it('lists after subscribing: an event sent before the list answer is in the list, later ones apply on top', async () => {
    const { lane: control, host } = lane(['sessions', 'agents']);
    host.handle('agent.list', () => {
      // Sent before the answer, so already reflected in it: must not be applied (or emitted) twice.
      host.notify('agent.event', { type: 'started', agent: agent('b', 'starting', 2) });
      return { agents: [agent('b', 'working', 2), agent('a', 'idle', 1)] };
    });
    const roster = new AgentRoster();
    const heard: AgentEvent[] = [];
    roster.onEvent((event) => heard.push(event));
    await roster.follow(control);
    expect(roster.list()!.map((entry) => `${entry.name}:${entry.status}`)).toEqual(['a:idle', 'b:working']);
    expect(heard).toEqual([]);

    host.notify('agent.event', { type: 'changed', agent: agent('a', 'waiting-for-human', 1) });
    host.notify('agent.event', { type: 'started', agent: agent('c', 'starting', 3) });
    host.notify('agent.event', { type: 'removed', agent: agent('b', 'stopped', 2) });
    await expect.poll(() => heard.length).toBe(3);
    expect(roster.list()!.map((entry) => `${entry.name}:${entry.status}`)).toEqual(['a:waiting-for-human', 'c:starting']);
  });

  it('knows no agents on an agent-host without the capability (and asks it nothing)', async () => {
    const { lane: control, host } = lane(['sessions']);
    let asked = false;
    host.handle('agent.list', () => {
      asked = true;
      return { agents: [] };
    });
    const roster = new AgentRoster();
    await roster.follow(control);
    expect(roster.list()).toBeUndefined();
    expect(asked).toBe(false);
  });
});
