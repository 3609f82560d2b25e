import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { GatewayTool } from '../../common/protocol/agentEndpoint';
import { flightdeckTools, isFlightdeckTool, isRunTool, offeredFlightdeckTools, type FlightdeckToolName } from '../../common/protocol/flightdeckTools';
import { errorMessage, WireError, WireErrorCode } from '../../common/wire/errors';
import { describeZodIssues } from '../../common/zodIssues';
import { endpointFromEnv, greetEndpoint, type EndpointPeer } from '../cliAgents/endpointClient';
import { MCP_SERVER_NAME } from '../cliAgents/hookCommand';
import { HOST_VERSION } from '../version';

/** Deadline of the host's quick answers (decide, progress, done); a human's answer (agent.ask) has none. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Listing the gateway's tools may wait for its upstream servers to start. */
const GATEWAY_LIST_TIMEOUT_MS = 120_000;
/** Beyond the gateway's own deadline (which answers with a tool error), how long a gateway call is waited for. */
const GATEWAY_CALL_MARGIN_MS = 10_000;

/** Flightdeck's own tools as MCP lists them: the JSON Schema of each input, as the SDK's McpServer derives it. */
function flightdeckToolList(names: readonly FlightdeckToolName[]): Tool[] {
  return names.map((name) => ({
    name,
    description: flightdeckTools[name].description,
    inputSchema: z.toJSONSchema(flightdeckTools[name].input, { target: 'draft-7', io: 'input' }) as Tool['inputSchema'],
    execution: { taskSupport: 'forbidden' },
  }));
}

/**
 * `agent-host mcp`: the host's MCP endpoint for a CLI agent (an MCP server on stdio, run by the CLI). It offers
 * Flightdeck's own tools — each call decided by the host (tool.decide, audited) before it does anything, then reported
 * (agent.progress) or put to a human and waited for (agent.ask), and its outcome recorded (tool.done) — and the tools
 * of the upstream MCP servers the policy allows, which the daemon's MCP gateway runs, decides, audits and forwards
 * (mcp.tools, mcp.call): nothing of them runs here, inside the agent's sandbox.
 * Without its endpoint it does not start: the CLI then has no Flightdeck tools, rather than tools that fail.
 */
export async function mcp(): Promise<number> {
  const address = endpointFromEnv(process.env);
  if ('missing' in address) {
    process.stderr.write(`agent-host mcp: ${address.missing} is not set: this runs only inside a Flightdeck agent\n`);
    return 1;
  }
  let peer: EndpointPeer;
  let offered: FlightdeckToolName[];
  try {
    const greeted = await greetEndpoint(address, 'mcp', REQUEST_TIMEOUT_MS);
    peer = greeted.peer;
    // Run tools only to the agents their run offers them to (propose_learnings to a retrospective).
    offered = offeredFlightdeckTools(greeted.hello.runTools ?? []);
  } catch (error) {
    process.stderr.write(`agent-host mcp: cannot reach the agent's endpoint: ${errorMessage(error)}\n`);
    return 1;
  }

  const gateway = new GatewayClient(peer);
  // The low-level server: the gateway's tools come with JSON Schemas of their own, which McpServer cannot take.
  const server = new Server({ name: MCP_SERVER_NAME, version: HOST_VERSION }, { capabilities: { tools: { listChanged: true } } });
  const ownTools = flightdeckToolList(offered);
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [...ownTools, ...(await gateway.tools())] }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args = {} } = request.params;
    if (!isFlightdeckTool(name) || !offered.includes(name)) return gateway.call(name, args);
    const input = flightdeckTools[name].input.safeParse(args);
    if (!input.success) return result(`Input validation error: Invalid arguments for tool ${name}: ${describeZodIssues(input.error)}`, true);
    return call(peer, name, input.data);
  });
  const ended = new Promise<void>((resolve) => {
    server.onclose = resolve;
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

/** The daemon's MCP gateway for this agent, through its endpoint. */
class GatewayClient {
  /** How long the gateway may take for one call, as it said when listing; until then, no deadline of our own. */
  private callTimeoutMs: number | undefined;

  constructor(private readonly peer: EndpointPeer) {}

  /** The gateway's tools as MCP lists them; none when the host has no gateway (an older daemon) or cannot list. */
  async tools(): Promise<Tool[]> {
    try {
      const { tools, callTimeoutMs } = await this.peer.request('mcp.tools', {}, { timeoutMs: GATEWAY_LIST_TIMEOUT_MS });
      this.callTimeoutMs = callTimeoutMs;
      return tools.map(toMcpTool);
    } catch (error) {
      if (!(error instanceof WireError && error.code === WireErrorCode.MethodNotFound)) {
        process.stderr.write(`agent-host mcp: the host's MCP gateway could not list its tools: ${errorMessage(error)}\n`);
      }
      return [];
    }
  }

  /** Any name that is not Flightdeck's goes to the gateway, which refuses (and audits) what it does not offer. */
  async call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const timeoutMs = this.callTimeoutMs === undefined ? 0 : this.callTimeoutMs + GATEWAY_CALL_MARGIN_MS;
    try {
      return (await this.peer.request('mcp.call', { callId: randomUUID(), name, arguments: args }, { timeoutMs })) as CallToolResult;
    } catch (error) {
      return result(`Flightdeck's MCP gateway could not run ${name}: ${errorMessage(error)}`, true);
    }
  }
}

function toMcpTool(tool: GatewayTool): Tool {
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
    ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
  };
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
    } else if (isRunTool(tool)) {
      text = (await peer.request('agent.runTool', { tool, input })).text;
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
