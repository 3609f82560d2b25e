// mcp.tools and mcp.call on a real agent endpoint socket: served by a gateway when the agent has one, and answered
// harmlessly (no tools; a tool error) when it has none.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentEndpointProtocol } from '../../common/protocol/agentEndpoint';
import { RpcPeer } from '../../common/wire/peer';
import { AgentEndpoint, type AgentEndpointHandlers } from '../agents/agentEndpoint';
import { SocketTransport } from '../wire/socketTransport';
import { gatewayHandlers } from './endpointHandlers';
import { counting, gatewayHarness } from './testing/gatewayFixture';

const TOKEN = 'a-token-of-sixteen-or-more-characters';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function endpointWith(extra: Partial<AgentEndpointHandlers>) {
  const dir = mkdtempSync(join(tmpdir(), 'fd-gw-ep-'));
  const hello = () => ({ name: 'a1', kind: 'claude-code', worktree: dir, branch: 'b', task: 't', model: null, limits: { maxTurns: 1, maxTokens: 1, contextTokens: 1 }, turns: 0, conversation: null });
  const endpoint = await AgentEndpoint.open(join(dir, 'e.sock'), TOKEN, { hello, ...extra } as unknown as AgentEndpointHandlers, () => undefined);
  const peer = await new Promise<RpcPeer<typeof agentEndpointProtocol>>((resolve, reject) => {
    const socket = connect(join(dir, 'e.sock'), () => resolve(new RpcPeer(agentEndpointProtocol, new SocketTransport(socket), { requestTimeoutMs: 20_000 })));
    socket.once('error', reject);
  });
  cleanups.push(() => {
    peer.close();
    endpoint.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return peer;
}

describe('the agent endpoint’s MCP gateway methods', () => {
  it('serve the agent’s gateway after the hello, and nothing before it', async () => {
    const made = gatewayHarness({ counting: counting({ tools: { allow: ['echo'] } }) }, { callTimeoutMs: 5000, startTimeoutMs: 7000 });
    cleanups.push(() => made.gateway.close());
    const peer = await endpointWith(gatewayHandlers(made.gateway));
    await expect(peer.request('mcp.tools', {})).rejects.toThrow(/first request must be agent.hello/);
    await peer.request('agent.hello', { token: TOKEN, role: 'mcp' });
    const { tools, callTimeoutMs } = await peer.request('mcp.tools', {});
    expect(tools.map((tool) => tool.name)).toEqual(['counting__echo']);
    expect(callTimeoutMs).toBe(12_000);
    const result = await peer.request('mcp.call', { callId: 'c-9', name: 'counting__echo', arguments: { message: 'hi' } });
    expect(result).toEqual({ content: [{ type: 'text', text: 'echo: hi' }] });
    expect(made.records.map((record) => [record.kind, record.callId])).toEqual([
      ['mcp.call', 'c-9'],
      ['mcp.result', 'c-9'],
    ]);
  });

  it('without a gateway: no tools, and a call is a tool error', async () => {
    const peer = await endpointWith({});
    await peer.request('agent.hello', { token: TOKEN, role: 'mcp' });
    expect((await peer.request('mcp.tools', {})).tools).toEqual([]);
    const result = await peer.request('mcp.call', { callId: 'c-1', name: 'x__y', arguments: {} });
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('runs no MCP servers') }] });
  });
});
