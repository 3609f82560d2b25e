import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { FLIGHTDECK_TOOL_NAMES, flightdeckTools, type FlightdeckToolName } from '../../common/protocol/flightdeckTools';
import { errorMessage } from '../../common/wire/errors';
import { endpointFromEnv, openEndpoint, type EndpointPeer } from '../cliAgents/endpointClient';
import { MCP_SERVER_NAME } from '../cliAgents/hookCommand';
import { HOST_VERSION } from '../version';

/** Deadline of the host's quick answers (decide, progress, done); a human's answer (agent.ask) has none. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * `agent-host mcp`: the host's MCP endpoint for a CLI agent (an MCP server on stdio, run by the CLI). It offers
 * Flightdeck's own tools; each call is decided by the host (tool.decide, audited) before it does anything, then
 * reported (agent.progress) or put to a human and waited for (agent.ask), and its outcome recorded (tool.done).
 * Without its endpoint it does not start: the CLI then has no Flightdeck tools, rather than tools that fail.
 */
export async function mcp(): Promise<number> {
  const address = endpointFromEnv(process.env);
  if ('missing' in address) {
    process.stderr.write(`agent-host mcp: ${address.missing} is not set: this runs only inside a Flightdeck agent\n`);
    return 1;
  }
  let peer: EndpointPeer;
  try {
    peer = await openEndpoint(address, 'mcp', REQUEST_TIMEOUT_MS);
  } catch (error) {
    process.stderr.write(`agent-host mcp: cannot reach the agent's endpoint: ${errorMessage(error)}\n`);
    return 1;
  }

  const server = new McpServer({ name: MCP_SERVER_NAME, version: HOST_VERSION });
  for (const name of FLIGHTDECK_TOOL_NAMES) {
    const { description, input } = flightdeckTools[name];
    server.registerTool(name, { description, inputSchema: input }, (args: Record<string, unknown>) => call(peer, name, args));
  }
  const ended = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
    // The CLI ends its MCP servers by closing their stdin; the endpoint closes when the agent is stopped.
    process.stdin.once('end', resolve);
    peer.onClose(() => resolve());
  });
  await server.connect(new StdioServerTransport());
  await ended;
  await server.close();
  peer.close();
  return 0;
}

async function call(peer: EndpointPeer, tool: FlightdeckToolName, input: Record<string, unknown>): Promise<CallToolResult> {
  const callId = randomUUID();
  try {
    const decision = await peer.request('tool.decide', { callId, tool, input });
    if (decision.decision !== 'allow') return result(decision.reason ?? `Flightdeck denied ${tool} (${decision.rule})`, true);
  } catch (error) {
    return result(`Flightdeck could not decide on ${tool}: ${errorMessage(error)}`, true);
  }
  let text: string;
  let ok = true;
  try {
    if (tool === 'report_progress') {
      await peer.request('agent.progress', { message: String(input.message) });
      text = 'Reported to the tech lead.';
    } else {
      const { answer, by } = await peer.request('agent.ask', { kind: tool, input }, { timeoutMs: 0 });
      text = `${by} answered:\n${answer}`;
    }
  } catch (error) {
    ok = false;
    text = `${tool} failed: ${errorMessage(error)}`;
  }
  try {
    await peer.request('tool.done', { callId, tool, ok, summary: text.slice(0, 4096) });
  } catch (error) {
    // The outcome could not be recorded; the model still learns what happened.
    process.stderr.write(`agent-host mcp: tool.done for ${tool} failed: ${errorMessage(error)}\n`);
  }
  return result(text, !ok);
}

function result(text: string, isError: boolean): CallToolResult {
  return { content: [{ type: 'text', text }], isError };
}
