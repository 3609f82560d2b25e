import type { McpGateway, McpGatewayOptions } from './gateway';

/**
 * A gateway, with its module (and the MCP SDK client, ajv, … under it) loaded on first use: the daemon does not
 * evaluate any of it until an agent whose policy has MCP servers starts. Import this, not ./gateway, from the daemon.
 */
export async function createMcpGateway(options: McpGatewayOptions): Promise<McpGateway> {
  const { McpGateway } = await import('./gateway');
  return new McpGateway(options);
}
