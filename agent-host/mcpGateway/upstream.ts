import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage } from '../../common/wire/errors';
import { HOST_VERSION } from '../version';
import { IsolatedStdioTransport } from './stdioTransport';
import type { ToolFilter } from './toolRules';

/** One upstream server as the policy declares it (`mcp.servers.<name>`): `command` (stdio) or `url` (Streamable HTTP). */
export interface McpServerConfig {
  command?: string;
  args?: string[];
  /** Added to the minimal environment (PATH, HOME, LANG) of a stdio server; nothing else of the daemon's is passed. */
  env?: Record<string, string>;
  url?: string;
  tools?: ToolFilter;
}

export interface UpstreamDeps {
  agent: string;
  /** PATH, HOME and LANG for stdio servers. */
  baseEnv: Record<string, string>;
  cwd?: string;
  log: (message: string) => void;
  /** Deadline of starting (spawn or connect, initialize, tools/list). */
  startTimeoutMs: number;
}

export type UpstreamState = 'idle' | 'starting' | 'ready' | 'failed' | 'closed';

export interface UpstreamStatus {
  server: string;
  transport: 'stdio' | 'http';
  state: UpstreamState;
  /** The stdio server's process id while it runs. */
  pid: number | null;
  /** Why it last failed or went away. */
  error: string | null;
  /** How many times it was started (restarts after a crash count). */
  starts: number;
}

/** A failure of the upstream, worded for the agent (it becomes a tool error). */
export class UpstreamError extends Error {}

interface Connection {
  client: Client;
  transport: IsolatedStdioTransport | StreamableHTTPClientTransport;
  /** The server's tools; null when its list changed and it is to be read again. */
  tools: Tool[] | null;
}

/** Lines of one run's stderr that reach the daemon's log; a chatty server must not flood it. */
const MAX_LOGGED_STDERR_LINES = 200;
const MAX_TOOL_PAGES = 100;

/**
 * One upstream MCP server of one agent: started on first use, started again on the next use after it went away,
 * ended by close(). Every wait on it has a deadline.
 */
export class Upstream {
  private connecting: Promise<Connection> | undefined;
  /** The connection being started, until it is ready or failed. */
  private opening: Connection | undefined;
  private current: Connection | undefined;
  private lastError: string | null = null;
  private starts = 0;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly config: McpServerConfig,
    private readonly deps: UpstreamDeps,
  ) {}

  status(): UpstreamStatus {
    const transport = (this.current ?? this.opening)?.transport;
    return {
      server: this.name,
      transport: this.config.url ? 'http' : 'stdio',
      state: this.closed ? 'closed' : this.current ? 'ready' : this.connecting ? 'starting' : this.lastError ? 'failed' : 'idle',
      pid: transport instanceof IsolatedStdioTransport ? (transport.pid ?? null) : null,
      error: this.lastError,
      starts: this.starts,
    };
  }

  /** The server's tools, all of them (the gateway filters); starts the server first if it does not run. */
  async tools(): Promise<Tool[]> {
    const connection = await this.connection();
    if (connection.tools === null) {
      try {
        connection.tools = await listAllTools(connection.client, this.deps.startTimeoutMs);
      } catch (error) {
        throw this.failure(connection, error, 'tools/list');
      }
    }
    return connection.tools;
  }

  /**
   * Forwards one tools/call. Resolves with the upstream's result (which may be a tool error of its own); rejects with
   * an UpstreamError saying what went wrong: timeout, the server going away, a protocol error.
   */
  async call(tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallToolResult> {
    const connection = await this.connection();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      const timedOut = new Promise<never>((_, reject) => deadline.signal.addEventListener('abort', () => reject(new Error('timeout'))));
      // The SDK's own timeout is a backstop; the race ends the wait whatever the SDK does.
      const answer = connection.client.callTool({ name: tool, arguments: args }, undefined, { signal: deadline.signal, timeout: timeoutMs + 1000 });
      return (await Promise.race([answer, timedOut])) as CallToolResult;
    } catch (error) {
      if (deadline.signal.aborted) {
        throw new UpstreamError(`the MCP server ${this.name} did not answer ${tool} within ${timeoutMs} ms (the call was cancelled)`);
      }
      throw this.failure(connection, error, tool);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the server, also one still starting (its start then fails); further use is refused. */
  async close(): Promise<void> {
    this.closed = true;
    const connections = [this.current, this.opening].filter((connection) => connection !== undefined);
    this.current = undefined;
    this.opening = undefined;
    this.connecting = undefined;
    await Promise.all(connections.map((connection) => end(connection)));
  }

  private connection(): Promise<Connection> {
    if (this.closed) return Promise.reject(new UpstreamError(`the MCP server ${this.name} is closed (the agent is stopping)`));
    if (!this.connecting) {
      this.connecting = this.open();
      this.connecting.catch(() => (this.connecting = undefined));
    }
    return this.connecting;
  }

  private async open(): Promise<Connection> {
    this.starts++;
    const started = performance.now();
    const transport = this.config.url ? new StreamableHTTPClientTransport(new URL(this.config.url)) : this.stdioTransport();
    const connection: Connection = {
      client: new Client(
        { name: 'flightdeck-mcp-gateway', version: HOST_VERSION },
        { listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: () => (connection.tools = null) } } },
      ),
      transport,
      tools: null,
    };
    connection.client.onclose = () => this.lost(connection);
    this.opening = connection;
    try {
      await connection.client.connect(transport, { timeout: this.deps.startTimeoutMs });
      connection.tools = await listAllTools(connection.client, this.deps.startTimeoutMs);
    } catch (error) {
      if (this.opening === connection) this.opening = undefined;
      if (this.closed) throw new UpstreamError(`the MCP server ${this.name} is closed (the agent is stopping)`);
      await connection.client.close().catch(() => undefined);
      const exit = (withStderr: boolean) => {
        const described = transport instanceof IsolatedStdioTransport ? transport.describeExit(withStderr) : undefined;
        return described ? ` (${described})` : '';
      };
      this.lastError = `could not be started: ${describeError(error)}${exit(true)}`;
      this.logLine(this.lastError);
      throw new UpstreamError(`the MCP server ${this.name} could not be started: ${describeError(error)}${exit(false)}`);
    }
    if (this.opening === connection) this.opening = undefined;
    if (this.closed) {
      await end(connection);
      throw new UpstreamError(`the MCP server ${this.name} is closed (the agent is stopping)`);
    }
    this.current = connection;
    this.lastError = null;
    const pid = transport instanceof IsolatedStdioTransport ? ` (pid ${transport.pid})` : '';
    this.logLine(`started${pid}${this.starts > 1 ? ` again (start ${this.starts})` : ''}: ${connection.tools.length} tools in ${Math.round(performance.now() - started)} ms`);
    return connection;
  }

  private stdioTransport(): IsolatedStdioTransport {
    let logged = 0;
    return new IsolatedStdioTransport({
      command: this.config.command!,
      args: this.config.args ?? [],
      env: { ...this.deps.baseEnv, ...this.config.env },
      cwd: this.deps.cwd,
      onStderr: (line) => {
        logged++;
        if (logged <= MAX_LOGGED_STDERR_LINES) this.logLine(`stderr: ${line}`);
        else if (logged === MAX_LOGGED_STDERR_LINES + 1) this.logLine(`stderr: further lines of this run are not logged`);
      },
    });
  }

  /** The connection ended (the process exited, or close()); the next use starts the server again. */
  private lost(connection: Connection): void {
    if (this.current !== connection) return;
    this.current = undefined;
    this.connecting = undefined;
    if (this.closed) return;
    const exit = connection.transport instanceof IsolatedStdioTransport ? connection.transport.describeExit(true) : undefined;
    this.lastError = `went away (${exit ?? 'connection closed'})`;
    this.logLine(`${this.lastError}; it is started again on next use`);
  }

  /** What a failed request means for the agent; a connection that broke is dropped, so the next use reconnects. */
  private failure(connection: Connection, error: unknown, what: string): UpstreamError {
    if (this.current !== connection || (error instanceof McpError && error.code === ErrorCode.ConnectionClosed)) {
      const exit = connection.transport instanceof IsolatedStdioTransport ? connection.transport.describeExit() : undefined;
      return new UpstreamError(`the MCP server ${this.name} went away during ${what} (${exit ?? describeError(error)}); it is started again on the next call`);
    }
    if (error instanceof McpError) {
      return new UpstreamError(`the MCP server ${this.name} answered ${what} with an error: ${describeError(error)}`);
    }
    // Not an answer of the server's (a transport or protocol failure): this connection is not to be trusted again.
    this.lastError = `failed: ${describeError(error)}`;
    this.logLine(`${what}: ${this.lastError}; reconnecting on next use`);
    if (this.current === connection) {
      this.current = undefined;
      this.connecting = undefined;
    }
    void connection.client.close().catch(() => undefined);
    return new UpstreamError(`the MCP server ${this.name} failed during ${what}: ${describeError(error)}`);
  }

  private logLine(message: string): void {
    this.deps.log(`mcp gateway ${this.deps.agent}/${this.name}: ${message}`);
  }
}

/** Closes a connection (stdio: ends the process tree); an HTTP session is ended on the server first, within a second. */
async function end(connection: Connection): Promise<void> {
  if (connection.transport instanceof StreamableHTTPClientTransport && connection.transport.sessionId) {
    const bounded = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([connection.transport.terminateSession().catch(() => undefined), bounded]);
  }
  await connection.client.close().catch(() => undefined);
}

async function listAllTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: timeoutMs });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) break;
  }
  return tools;
}

function describeError(error: unknown): string {
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return 'no answer in time';
  return errorMessage(error);
}
