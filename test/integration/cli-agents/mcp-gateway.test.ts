// `agent-host mcp` (the real bundle, as a CLI runs it) in front of the daemon's real AgentEndpoint, whose mcp.tools
// and mcp.call are served by a real McpGateway running server-everything: the whole path a CLI agent's MCP call takes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_ENV, type ToolDecision } from '../../../common/protocol/agentEndpoint';
import { offeredFlightdeckTools } from '../../../common/protocol/flightdeckTools';
import { AgentEndpoint, type AgentEndpointHandlers } from '../../../agent-host/agents/agentEndpoint';
import { gatewayHandlers } from '../../../agent-host/mcpGateway/endpointHandlers';
import { McpGateway, type McpAuditRecord } from '../../../agent-host/mcpGateway/gateway';
import { everything } from '../../../agent-host/mcpGateway/testing/gatewayFixture';
import { AGENT_HOST_BUNDLE } from '../agent-host/client';
import { TOKEN } from './fixture';

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) => (result.content as Array<{ text: string }>).map((part) => part.text).join('');

describe('agent-host mcp with the host’s MCP gateway behind the endpoint', () => {
  let dir: string;
  let endpoint: AgentEndpoint;
  let gateway: McpGateway;
  let client: Client;
  const records: McpAuditRecord[] = [];
  const decided: string[] = [];
  const progress: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fd-mcpgw-'));
    gateway = new McpGateway({ agent: 'a1', servers: { everything: everything({ tools: { deny: ['get-env'] } }) }, audit: (record) => records.push(record), log: () => undefined });
    const handlers = {
      hello: () => ({ name: 'a1', kind: 'claude-code', worktree: dir, branch: 'b', task: 't', model: null, limits: { maxTurns: 1, maxTokens: 1, contextTokens: 1 }, turns: 0, conversation: null }),
      decide: ({ tool }: { tool: string }): Promise<ToolDecision> => (decided.push(tool), Promise.resolve({ decision: 'allow', reason: null, rule: 'test' })),
      done: () => undefined,
      progress: (message: string) => void progress.push(message),
      ...gatewayHandlers(gateway),
    } as unknown as AgentEndpointHandlers;
    const socketPath = join(dir, 'ep.sock');
    endpoint = await AgentEndpoint.open(socketPath, TOKEN, handlers, () => undefined);
    client = new Client({ name: 'test-cli', version: '1.0.0' });
    const env = { PATH: process.env.PATH ?? '', [AGENT_ENV.socket]: socketPath, [AGENT_ENV.token]: TOKEN };
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [AGENT_HOST_BUNDLE, 'mcp'], env }));
  });
  afterAll(async () => {
    await client?.close();
    endpoint?.close();
    await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists Flightdeck’s tools and the gateway’s allowed ones (upstream schemas as they are), not the denied ones', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    for (const name of offeredFlightdeckTools([])) expect(names).toContain(name);
    expect(names).not.toContain('propose_learnings');
    expect(names).toContain('everything__echo');
    expect(names).not.toContain('everything__get-env');
    expect(tools.find((tool) => tool.name === 'everything__echo')!.inputSchema).toMatchObject({ type: 'object', required: ['message'] });
    expect(tools.find((tool) => tool.name === 'ask_human')!.inputSchema).toMatchObject({ type: 'object', required: ['question'] });
  });

  it('forwards an allowed call through the daemon, and refuses a denied one (audited, never forwarded)', async () => {
    const echo = await client.callTool({ name: 'everything__echo', arguments: { message: 'via the endpoint' } });
    expect(echo.isError).toBeFalsy();
    expect(textOf(echo)).toBe('Echo: via the endpoint');
    const denied = await client.callTool({ name: 'everything__get-env', arguments: {} });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain('mcp.servers.everything.tools.deny:get-env');
    expect(records.map((record) => [record.kind, record.tool, record.outcome])).toEqual([
      ['mcp.call', 'echo', 'ok'],
      ['mcp.result', 'echo', 'ok'],
      ['mcp.call', 'get-env', 'denied'],
    ]);
    // Gateway calls are the gateway's to decide; tool.decide is for Flightdeck's own tools.
    expect(decided).toEqual([]);
  });

  it('keeps Flightdeck’s own tools as they were: decided, then reported', async () => {
    const result = await client.callTool({ name: 'report_progress', arguments: { message: 'halfway' } });
    expect(result.isError).toBe(false);
    expect(decided).toEqual(['report_progress']);
    expect(progress).toEqual(['halfway']);
    const invalid = await client.callTool({ name: 'ask_human', arguments: { question: 42 } });
    expect(invalid.isError).toBe(true);
    expect(decided).toEqual(['report_progress']);
  });
});
