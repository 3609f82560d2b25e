// The MCP gateway against real upstream servers: the reference server-everything and a counting test server over
// stdio (real processes), and an MCP server over Streamable HTTP in this process. Nothing is mocked.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditLog } from '../audit/auditLog';
import { verifyAudit } from '../audit/auditVerify';
import { openDatabase } from '../journal/database';
import { McpGateway, minimalEnv, type McpCallRecord, type McpResultRecord } from './gateway';
import { toAuditEntry } from './records';
import { counting, everything, gatewayHarness, textOf, type GatewayHarness } from './testing/gatewayFixture';

const open: GatewayHarness[] = [];
const harness = (...args: Parameters<typeof gatewayHarness>): GatewayHarness => {
  const made = gatewayHarness(...args);
  open.push(made);
  return made;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((made) => made.gateway.close()));
});

const callRecords = (made: GatewayHarness) => made.records.filter((record): record is McpCallRecord => record.kind === 'mcp.call');
const resultRecords = (made: GatewayHarness) => made.records.filter((record): record is McpResultRecord => record.kind === 'mcp.result');

/** What the counting server says it received (the `calls` tool counts itself too). */
async function received(made: GatewayHarness): Promise<string[]> {
  return JSON.parse(textOf(await made.gateway.callTool('counting__calls', {}))) as string[];
}

describe('the MCP gateway with server-everything', () => {
  it('offers the allowed tools as <server>__<tool> with their schemas, and forwards a call (echo returns its input)', async () => {
    const made = harness({ everything: everything() });
    const tools = await made.gateway.listTools();
    const echo = tools.find((tool) => tool.name === 'everything__echo');
    expect(echo).toMatchObject({ server: 'everything', tool: 'echo', description: expect.any(String), inputSchema: { type: 'object', required: ['message'] } });
    expect(tools.map((tool) => tool.name)).toContain('everything__get-sum');

    const result = await made.gateway.callTool('everything__echo', { message: 'hello through the gateway' }, 'call-1');
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('Echo: hello through the gateway');
    expect(made.records).toEqual([
      { kind: 'mcp.call', agent: 'a1', callId: 'call-1', name: 'everything__echo', server: 'everything', tool: 'echo', arguments: { message: 'hello through the gateway' }, outcome: 'ok', rule: 'mcp.servers.everything', reason: null },
      { kind: 'mcp.result', agent: 'a1', callId: 'call-1', name: 'everything__echo', server: 'everything', tool: 'echo', outcome: 'ok', rule: 'mcp.servers.everything', durationMs: expect.any(Number), resultBytes: Buffer.byteLength(JSON.stringify(result)), error: null },
    ]);
  });

  it('leaves a denied tool out of the list, and refuses it when called anyway, naming the rule (audited as denied)', async () => {
    const made = harness({ everything: everything({ tools: { deny: ['get-env'] } }) });
    const names = (await made.gateway.listTools()).map((tool) => tool.name);
    expect(names).toContain('everything__echo');
    expect(names).not.toContain('everything__get-env');

    const result = await made.gateway.callTool('everything__get-env', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('mcp.servers.everything.tools.deny:get-env');
    expect(made.records).toEqual([expect.objectContaining({ kind: 'mcp.call', tool: 'get-env', outcome: 'denied', rule: 'mcp.servers.everything.tools.deny:get-env' })]);
  });

  it('filters by the allow list (exact names and globs), deny winning over allow', async () => {
    const made = harness({ everything: everything({ tools: { allow: ['echo', 'get-.*'], deny: ['get-env', 'get-tiny-.mage'] } }) });
    const names = (await made.gateway.listTools()).map((tool) => tool.name).sort();
    expect(names).toContain('everything__echo');
    expect(names).toContain('everything__get-sum');
    for (const name of names) expect(name).toMatch(/^everything__(echo|get-.*)$/);
    expect(names).not.toContain('everything__get-env');
    expect(names).not.toContain('everything__get-tiny-image');
    expect(names).not.toContain('everything__toggle-simulated-logging');

    expect(textOf(await made.gateway.callTool('everything__get-sum', { a: 2, b: 3 }))).toContain('5');
    const outside = await made.gateway.callTool('everything__toggle-simulated-logging', {});
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).toContain('not in mcp.servers.everything.tools.allow');
    expect(callRecords(made).at(-1)).toMatchObject({ outcome: 'denied', rule: 'mcp.servers.everything.tools.allow' });
    expect(callRecords(made).find((record) => record.tool === 'get-sum')).toMatchObject({ outcome: 'ok', rule: 'mcp.servers.everything.tools.allow:get-.*' });
  });

  it('gives a stdio server only PATH, HOME, LANG and the policy’s env: nothing of the daemon’s environment', async () => {
    process.env.FLIGHTDECK_GATEWAY_TEST_LEAK = 'the-daemon-environment-must-not-leak';
    try {
      const made = harness({ everything: everything({ env: { POLICY_VAR: 'set-by-the-policy' } }) });
      const env = JSON.parse(textOf(await made.gateway.callTool('everything__get-env', {}))) as Record<string, string>;
      expect(Object.keys(env).sort()).toEqual(['HOME', 'LANG', 'PATH', 'POLICY_VAR']);
      expect(env).toEqual({ ...minimalEnv(), POLICY_VAR: 'set-by-the-policy' });
      expect(JSON.stringify(env)).not.toContain('the-daemon-environment-must-not-leak');
    } finally {
      delete process.env.FLIGHTDECK_GATEWAY_TEST_LEAK;
    }
  });

  it('redacts known secret values (given ones and the servers’ env values) and secret shapes from recorded arguments', async () => {
    const made = harness({ everything: everything({ env: { UPSTREAM_TOKEN: 'upstream-token-value-123' } }) }, { secrets: [{ name: 'agent-token', value: 'agent-token-value-456' }] });
    const message = 'a agent-token-value-456 b upstream-token-value-123 c ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';
    expect(textOf(await made.gateway.callTool('everything__echo', { message }))).toBe(`Echo: ${message}`);
    const recorded = JSON.stringify(callRecords(made)[0]!.arguments);
    expect(recorded).not.toContain('agent-token-value-456');
    expect(recorded).not.toContain('upstream-token-value-123');
    expect(recorded).not.toContain('ghp_0123456789');
    expect(recorded).toContain('«redacted:agent-token»');
    expect(recorded).toContain('«redacted:mcp.servers.everything.env.UPSTREAM_TOKEN»');
  });

  it('reports a server that cannot start as tool-less, with the reason in the log, and keeps the others', async () => {
    const made = harness({
      missing: { command: '/nonexistent/mcp-server' },
      dies: { command: process.execPath, args: ['-e', 'process.stderr.write("bad config\\n"); process.exit(3)'] },
      everything: everything(),
    });
    const tools = await made.gateway.listTools();
    expect(new Set(tools.map((tool) => tool.server))).toEqual(new Set(['everything']));
    expect(made.logs.join('\n')).toMatch(/a1\/missing: the MCP server missing could not be started: command not found: \/nonexistent\/mcp-server.*; it offers no tools/);
    // The log has the server's last stderr lines; what the agent sees has only how it ended.
    expect(made.logs.join('\n')).toMatch(/a1\/dies: could not be started: .*\(exited with code 3; its last stderr lines: bad config\)/);
    expect(made.logs.join('\n')).toMatch(/a1\/dies: the MCP server dies could not be started: .*\(exited with code 3\); it offers no tools/);
    expect(made.gateway.servers().find((server) => server.server === 'dies')).toMatchObject({ state: 'failed', pid: null, error: expect.stringContaining('bad config') });

    const result = await made.gateway.callTool('dies__anything', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/could not run dies__anything: the MCP server dies could not be started/);
    expect(textOf(result)).not.toContain('bad config');
    expect(callRecords(made).at(-1)).toMatchObject({ server: 'dies', outcome: 'error' });
  });

  it('refuses a name that matches no server, and a tool the server does not have (audited as denied)', async () => {
    const made = harness({ everything: everything() });
    const unknownServer = await made.gateway.callTool('other__echo', {});
    expect(textOf(unknownServer)).toContain('no MCP server of this agent offers other__echo');
    const unknownTool = await made.gateway.callTool('everything__no-such-tool', {});
    expect(textOf(unknownTool)).toContain('the MCP server everything has no tool no-such-tool');
    expect(callRecords(made)).toEqual([
      expect.objectContaining({ name: 'other__echo', server: null, tool: null, outcome: 'denied', rule: 'mcp.servers' }),
      expect.objectContaining({ name: 'everything__no-such-tool', outcome: 'denied', rule: 'mcp.servers.everything' }),
    ]);
    expect(resultRecords(made)).toEqual([]);
  });
});

describe('the MCP gateway failing closed (counting server)', () => {
  it('never forwards a denied tool: the server does not receive it', async () => {
    const made = harness({ counting: counting({ tools: { deny: ['echo'] } }) });
    expect(textOf(await made.gateway.callTool('counting__echo', { message: 'x' }))).toContain('mcp.servers.counting.tools.deny:echo');
    expect(await received(made)).toEqual(['calls']);
  });

  it('refuses a call whose record cannot be written, and does not forward it', async () => {
    const made = harness({ counting: counting() });
    made.failAudit = (record) => record.kind === 'mcp.call' && record.tool === 'echo';
    const result = await made.gateway.callTool('counting__echo', { message: 'must not arrive' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/could not audit the call, so it was not forwarded \(disk full\)/);
    made.failAudit = null;
    expect(await received(made)).toEqual(['calls']);
    expect(made.logs.join('\n')).not.toContain('call echo');
  });

  it('withholds a result whose record cannot be written', async () => {
    const made = harness({ counting: counting() });
    made.failAudit = (record) => record.kind === 'mcp.result';
    const result = await made.gateway.callTool('counting__echo', { message: 'secret result' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('withheld the result of counting__echo');
    expect(textOf(result)).not.toContain('secret result');
  });

  it('turns an upstream killed mid-call into a tool error, and starts it again on the next call', async () => {
    const made = harness({ counting: counting() });
    const pending = made.gateway.callTool('counting__hang', {});
    await made.logged(/counting-server: call hang/);
    const [before] = made.gateway.servers();
    process.kill(before!.pid!, 'SIGKILL');
    const result = await pending;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/the MCP server counting went away during hang \(killed by SIGKILL\); it is started again on the next call/);
    expect(resultRecords(made).at(-1)).toMatchObject({ tool: 'hang', outcome: 'error', error: expect.stringContaining('went away') });

    expect(textOf(await made.gateway.callTool('counting__echo', { message: 'again' }))).toBe('echo: again');
    const [after] = made.gateway.servers();
    expect(after).toMatchObject({ state: 'ready', starts: 2 });
    expect(after!.pid).not.toBe(before!.pid);
  });

  it('turns a call that outlives its deadline into a tool error, and the server goes on serving', async () => {
    const made = harness({ counting: counting() }, { callTimeoutMs: 300 });
    await made.gateway.listTools();
    const started = performance.now();
    const result = await made.gateway.callTool('counting__hang', {});
    const elapsed = performance.now() - started;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('the MCP server counting did not answer hang within 300 ms');
    // Loose bounds: the deadline holds (no hang), it is not cut short.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5000);
    expect(resultRecords(made).at(-1)).toMatchObject({ outcome: 'error', resultBytes: 0 });
    expect(textOf(await made.gateway.callTool('counting__echo', { message: 'still here' }))).toBe('echo: still here');
    expect(made.gateway.servers()[0]).toMatchObject({ starts: 1 });
  });

  it('passes a tool error of the upstream through as it is (audited as error), and refuses an oversized result', async () => {
    const made = harness({ counting: counting() }, { maxResultBytes: 10_000 });
    const failed = await made.gateway.callTool('counting__fail', {});
    expect(failed).toMatchObject({ isError: true, content: [{ type: 'text', text: 'it failed on purpose' }] });
    expect(resultRecords(made).at(-1)).toMatchObject({ outcome: 'error', error: 'the tool reported an error' });
    const big = await made.gateway.callTool('counting__big', { bytes: 20_000 });
    expect(big.isError).toBe(true);
    expect(textOf(big)).toMatch(/more than the 10000 the gateway passes on/);
    expect(textOf(await made.gateway.callTool('counting__big', { bytes: 100 }))).toBe('x'.repeat(100));
  });

  it('ends the whole process tree of a stdio server on close, even a descendant in a session of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-gw-'));
    const listener = createNetServer();
    const connected = new Promise<Socket>((resolve) => listener.once('connection', resolve));
    const socketPath = join(dir, 'tree.sock');
    await new Promise<void>((resolve) => listener.listen(socketPath, resolve));
    try {
      const made = harness({ counting: counting() });
      const descendant = Number(textOf(await made.gateway.callTool('counting__spawn-descendant', { socket: socketPath })));
      expect(descendant).toBeGreaterThan(0);
      const socket = await connected;
      const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const { pid } = made.gateway.servers()[0]!;
      await made.gateway.close();
      await gone;
      expect(() => process.kill(pid!, 0)).toThrow(/ESRCH/);
      expect(made.gateway.servers()[0]).toMatchObject({ state: 'closed' });
      expect(textOf(await made.gateway.callTool('counting__echo', { message: 'x' }))).toMatch(/is closed/);
    } finally {
      listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends a server that is still starting when the gateway closes, without waiting for it', async () => {
    const made = harness({ everything: everything() });
    const listing = made.gateway.listTools();
    const [starting] = made.gateway.servers();
    expect(starting).toMatchObject({ state: 'starting', pid: expect.any(Number) });
    await made.gateway.close();
    expect(await listing).toEqual([]);
    expect(() => process.kill(starting!.pid!, 0)).toThrow(/ESRCH/);
    expect(made.logs.join('\n')).toMatch(/everything: the MCP server everything is closed/);
  });

  it('writes records the host’s audit log takes as they are (AuditLog.append(toAuditEntry(record))), chain intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-gw-audit-'));
    const db = openDatabase(join(dir, 'host.db'));
    try {
      const log = new AuditLog(db);
      const gateway = new McpGateway({
        agent: 'a1',
        servers: { counting: counting({ tools: { deny: ['hang'] } }) },
        audit: (record) => void log.append(toAuditEntry(record)),
        log: () => undefined,
      });
      try {
        await gateway.callTool('counting__echo', { message: 'hi' }, 'c-1');
        await gateway.callTool('counting__hang', {}, 'c-2');
      } finally {
        await gateway.close();
      }
      const rows = db.prepare('SELECT action, target, outcome, reason, data FROM audit ORDER BY seq').all() as Array<Record<string, string>>;
      expect(rows.map((row) => [row.action, row.target, row.outcome])).toEqual([
        ['mcp.call', 'mcp:counting/echo', 'ok'],
        ['mcp.result', 'mcp:counting/echo', 'ok'],
        ['mcp.call', 'mcp:counting/hang', 'denied'],
      ]);
      expect(JSON.parse(rows[0]!.data!)).toEqual({ callId: 'c-1', name: 'counting__echo', arguments: { message: 'hi' }, rule: 'mcp.servers.counting' });
      expect(JSON.parse(rows[1]!.data!)).toMatchObject({ callId: 'c-1', durationMs: expect.any(Number), resultBytes: expect.any(Number) });
      expect(rows[2]!.reason).toContain('mcp.servers.counting.tools.deny: hang');
      expect(verifyAudit(db)).toMatchObject({ ok: true, records: 3 });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the MCP gateway with a Streamable HTTP server', () => {
  let http: HttpServer;
  let url: string;
  const calls: string[] = [];

  beforeAll(async () => {
    http = createHttpServer((request, response) => {
      // Stateless: a server and transport per request, as the SDK's stateless example does.
      const server = new McpServer({ name: 'http-test', version: '1.0.0' });
      server.registerTool('shout', { description: 'Upper-cases its text.', inputSchema: { text: z.string() } }, ({ text }) => {
        calls.push(`shout:${text}`);
        return { content: [{ type: 'text', text: text.toUpperCase() }] };
      });
      server.registerTool('delete-everything', { description: 'Never to be reached.', inputSchema: {} }, () => {
        calls.push('delete-everything');
        return { content: [{ type: 'text', text: 'deleted' }] };
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      response.on('close', () => void transport.close().then(() => server.close()));
      void server.connect(transport).then(() => transport.handleRequest(request, response));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const address = http.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp`;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  it('lists the allowed tools and forwards calls; a denied one never reaches the server', async () => {
    const made = harness({ remote: { url, tools: { deny: ['delete-.*'] } } });
    expect((await made.gateway.listTools()).map((tool) => tool.name)).toEqual(['remote__shout']);
    expect(textOf(await made.gateway.callTool('remote__shout', { text: 'quiet' }))).toBe('QUIET');
    expect((await made.gateway.callTool('remote__delete-everything', {})).isError).toBe(true);
    expect(calls).toEqual(['shout:quiet']);
    expect(made.gateway.servers()[0]).toMatchObject({ transport: 'http', state: 'ready' });
  });

  it('reports an unreachable URL as a tool-less server and a tool error, not a crash', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const made = harness({ gone: { url: `http://127.0.0.1:${port}/mcp` } });
    expect(await made.gateway.listTools()).toEqual([]);
    expect(made.logs.join('\n')).toMatch(/a1\/gone: the MCP server gone could not be started/);
    expect((await made.gateway.callTool('gone__x', { id: randomUUID() })).isError).toBe(true);
  });
});

describe('McpGateway configuration', () => {
  it('refuses a server that is not exactly one of command or url, or whose name cannot be split from its tools', () => {
    const base = { agent: 'a1', audit: () => undefined, log: () => undefined };
    expect(() => gatewayHarness({ both: { command: 'x', url: 'http://127.0.0.1/' } }, base)).toThrow(/mcp.servers.both: give either command/);
    expect(() => gatewayHarness({ none: {} }, base)).toThrow(/give either command/);
    expect(() => gatewayHarness({ 'a__b': { command: 'x' } }, base)).toThrow(/no __/);
    expect(() => gatewayHarness({ ftp: { url: 'ftp://x/' } }, base)).toThrow(/only http and https/);
  });
});
