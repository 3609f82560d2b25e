import type { AgentEndpointHandlers } from '../agents/agentEndpoint';
import type { McpGateway } from './gateway';

/** The agent endpoint's mcp.tools and mcp.call, served by one agent's gateway. */
export function gatewayHandlers(gateway: McpGateway): Required<Pick<AgentEndpointHandlers, 'mcpTools' | 'mcpCall'>> {
  return {
    mcpTools: async () => ({ tools: await gateway.listTools(), callTimeoutMs: gateway.maxCallMs }),
    mcpCall: ({ callId, name, arguments: args }) => gateway.callTool(name, args, callId),
  };
}
