// `agent-host mcp` as a process, reached by the MCP SDK's own client over stdio, as a CLI reaches it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_ENV } from '../../../common/protocol/agentEndpoint';
import { offeredFlightdeckTools } from '../../../common/protocol/flightdeckTools';
import { AGENT_HOST_BUNDLE } from '../agent-host/client';
import { scratch, TestEndpoint, TOKEN } from './fixture';

let dirs: ReturnType<typeof scratch>;
const open: Array<{ client: Client; endpoint: TestEndpoint }> = [];

beforeAll(() => {
  dirs = scratch();
});
afterEach(async () => {
  for (const { client, endpoint } of open.splice(0)) {
    await client.close();
    await endpoint.close();
  }
});
afterAll(() => dirs.cleanup());

async function connect(name: string, options: Parameters<typeof TestEndpoint.start>[1] = {}) {
  const socketPath = join(dirs.root, `${name}.sock`);
  const endpoint = await TestEndpoint.start(socketPath, options);
  const client = new Client({ name: 'test-cli', version: '1.0.0' });
  const env = { PATH: process.env.PATH ?? '', [AGENT_ENV.socket]: socketPath, [AGENT_ENV.token]: TOKEN };
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [AGENT_HOST_BUNDLE, 'mcp'], env }));
  open.push({ client, endpoint });
  return { client, endpoint };
}

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) => (result.content as Array<{ text: string }>).map((part) => part.text).join('');

describe('agent-host mcp', () => {
  it('lists exactly the Flightdeck tools, with their input schemas', async () => {
    const { client, endpoint } = await connect('list');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(offeredFlightdeckTools([]).sort());
    const ask = tools.find((tool) => tool.name === 'ask_human')!;
    expect(ask.inputSchema).toMatchObject({ type: 'object', required: ['question'] });
    expect(Object.keys(tools.find((tool) => tool.name === 'submit_plan')!.inputSchema.properties ?? {})).toContain('phases');
    expect(endpoint.hellos).toEqual(['mcp']);
  });

  it('offers a run tool only to an agent its run gives it to, and has the run answer it at once', async () => {
    const plain = await connect('plain');
    const refused = await plain.client.callTool({ name: 'propose_learnings', arguments: { learnings: [{ text: 'x', applies_to: 'repo' }] } });
    expect(refused.isError).toBe(true);
    expect(plain.endpoint.runToolCalls).toEqual([]);

    const { client, endpoint } = await connect('retro', { runTools: ['propose_learnings'] });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('propose_learnings');
    const input = { learnings: [{ text: 'Tests live in test/.', applies_to: 'repo' }] };
    const result = await client.callTool({ name: 'propose_learnings', arguments: input });
    expect(result.isError).toBe(false);
    expect(textOf(result)).toBe('propose_learnings: taken');
    expect(endpoint.decided).toEqual([expect.objectContaining({ via: 'mcp', tool: 'propose_learnings', input })]);
    expect(endpoint.runToolCalls).toEqual([{ tool: 'propose_learnings', input }]);
    expect(endpoint.asks).toEqual([]);
  });

  it('decides, reports progress without waiting, and records the outcome', async () => {
    const { client, endpoint } = await connect('progress');
    const result = await client.callTool({ name: 'report_progress', arguments: { message: 'Parser tests pass.' } });
    expect(result.isError).toBe(false);
    expect(endpoint.decided).toEqual([expect.objectContaining({ via: 'mcp', tool: 'report_progress', input: { message: 'Parser tests pass.' } })]);
    expect(endpoint.progress).toEqual(['Parser tests pass.']);
    expect(endpoint.done).toEqual([expect.objectContaining({ callId: endpoint.decided[0]!.callId, tool: 'report_progress', ok: true })]);
  });

  it('puts a question to a human and returns the answer', async () => {
    const { client, endpoint } = await connect('ask', { answer: (kind) => ({ answer: `${kind}: approved`, by: 'dana' }) });
    const input = { summary: 'Parser rewritten', tests_run: ['npm test'] };
    const result = await client.callTool({ name: 'checkpoint', arguments: input });
    expect(textOf(result)).toContain('dana answered');
    expect(textOf(result)).toContain('checkpoint: approved');
    expect(endpoint.asks).toEqual([{ kind: 'checkpoint', input }]);
  });

  it('answers a denied call with a tool error carrying the reason, and asks nobody', async () => {
    const { client, endpoint } = await connect('deny', { decide: () => ({ decision: 'deny', reason: 'escalations are off for this run', rule: 'runbook:x' }) });
    const result = await client.callTool({ name: 'escalate', arguments: { problem: 'p', context: 'c', suggested_resolutions: [] } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('escalations are off for this run');
    expect(endpoint.asks).toEqual([]);
    expect(endpoint.done).toEqual([]);
  });

  it('refuses input that does not match the tool’s schema before the host is asked', async () => {
    const { client, endpoint } = await connect('invalid');
    const result = await client.callTool({ name: 'ask_human', arguments: { question: 42 } });
    expect(result.isError).toBe(true);
    expect(endpoint.decided).toEqual([]);
  });

  it('does not start without its endpoint (exit 1, the reason on stderr)', () => {
    const env = { PATH: process.env.PATH ?? '', [AGENT_ENV.socket]: join(dirs.root, 'absent.sock'), [AGENT_ENV.token]: TOKEN };
    const result = spawnSync(process.execPath, [AGENT_HOST_BUNDLE, 'mcp'], { env, input: '', encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cannot reach the agent's endpoint");
  });
});
