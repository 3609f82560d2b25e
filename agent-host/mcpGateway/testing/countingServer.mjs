// A small stdio MCP server for the gateway's tests: it tells on every call it receives (a stderr line each, and the
// `calls` tool), and has tools that hang, and that leave a descendant process behind. Run: node countingServer.mjs
import { spawn } from 'node:child_process';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const received = [];
const server = new McpServer({ name: 'counting-server', version: '1.0.0' });
const text = (value) => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }] });

function tool(name, description, inputSchema, handler) {
  server.registerTool(name, { description, inputSchema }, async (args) => {
    received.push(name);
    process.stderr.write(`counting-server: call ${name}\n`);
    return handler(args);
  });
}

tool('echo', 'Returns its message.', { message: z.string() }, ({ message }) => text(`echo: ${message}`));
tool('calls', 'The names of the tools called so far, this call included.', {}, () => text(received));
tool('hang', 'Never answers.', {}, () => new Promise(() => {}));
tool('fail', 'Answers with a tool error.', {}, () => ({ ...text('it failed on purpose'), isError: true }));
tool('big', 'Returns `bytes` characters.', { bytes: z.number().int() }, ({ bytes }) => text('x'.repeat(bytes)));
tool(
  'spawn-descendant',
  'Starts a process (in a session of its own, as a daemonising tool would) that connects to `socket` and stays; returns its pid.',
  { socket: z.string() },
  ({ socket }) => {
    const child = spawn(
      process.execPath,
      ['-e', `require('node:net').connect(${JSON.stringify(socket)}); setInterval(() => {}, 1 << 30);`],
      { detached: true, stdio: 'ignore' },
    );
    return text(String(child.pid));
  },
);

await server.connect(new StdioServerTransport());
process.stderr.write('counting-server: ready\n');
