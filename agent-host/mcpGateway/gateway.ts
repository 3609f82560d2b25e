import { randomUUID } from 'node:crypto';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayTool } from '../../common/protocol/agentEndpoint';
import { redactDeep, redactValues } from '../../common/security/redact';
import { errorMessage } from '../../common/wire/errors';
import type { McpAuditRecord } from './records';
import { exposedName, ruleOnTool, SERVER_NAME, splitExposedName, type ToolRuling } from './toolRules';
import { Upstream, UpstreamError, type McpServerConfig, type UpstreamStatus } from './upstream';

export type { McpServerConfig, UpstreamStatus } from './upstream';
export type { McpAuditRecord, McpCallRecord, McpResultRecord } from './records';

export interface McpGatewayOptions {
  /** The agent it serves (records name it). */
  agent: string;
  /** The upstream servers the (effective) policy allows this agent: `mcp.servers`. */
  servers: Record<string, McpServerConfig>;
  /**
   * Writes one audit record, synchronously. A throw refuses the call (a call record) or withholds its result (a
   * result record): nothing goes through unrecorded.
   */
  audit: (record: McpAuditRecord) => void;
  log: (message: string) => void;
  /** Deadline of one forwarded tools/call; default 60 s. */
  callTimeoutMs?: number;
  /** Deadline of starting a server (spawn or connect, initialize, tools/list); default 30 s. */
  startTimeoutMs?: number;
  /** Values to redact from recorded arguments (the agent's token, agent.env keys); the servers' env values are added. */
  secrets?: readonly { name: string; value: string }[];
  /** The environment stdio servers start from, before their `env`; default PATH, HOME and LANG of the daemon's. */
  baseEnv?: Record<string, string>;
  /** Working directory of stdio servers; default the daemon's. */
  cwd?: string;
  /** Largest result passed back (as JSON); a larger one is a tool error. Default 16 MiB. */
  maxResultBytes?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 60_000;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESULT_BYTES = 16 * 1024 * 1024;
/** Longest exposed name the agent endpoint carries (its ToolName). */
const MAX_EXPOSED_NAME = 256;
/** Server env values shorter than this are not redacted (they would match everywhere). */
const MIN_SECRET_LENGTH = 8;

/** The daemon's PATH, HOME and LANG: all of its environment an upstream server gets. */
export function minimalEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { PATH: env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: env.HOME ?? '/', LANG: env.LANG ?? 'C.UTF-8' };
}

/**
 * One agent's MCP gateway: the upstream MCP servers its policy allows, run by the daemon (stdio or Streamable HTTP),
 * offered as `<server>__<tool>` with only their allowed tools. Every call is decided and recorded before it is
 * forwarded, and recorded again when it ends; timeouts, crashes and protocol errors come back as tool errors.
 *
 * Servers start lazily, on the first listTools or callTool: an agent that never uses MCP costs no process, a server
 * that cannot start delays nothing but its own tools, and a server that went away starts again the same way. (A CLI
 * agent lists its tools when it starts, so in practice its servers start with it.)
 */
export class McpGateway {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly callTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly maxResultBytes: number;
  private readonly secrets: readonly { name: string; value: string }[];

  constructor(private readonly options: McpGatewayOptions) {
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    const secrets = [...(options.secrets ?? [])];
    const baseEnv = options.baseEnv ?? minimalEnv();
    for (const [name, config] of Object.entries(options.servers)) {
      validateServer(name, config);
      for (const [key, value] of Object.entries(config.env ?? {})) {
        if (value.length >= MIN_SECRET_LENGTH) secrets.push({ name: `mcp.servers.${name}.env.${key}`, value });
      }
      this.upstreams.set(
        name,
        new Upstream(name, config, { agent: options.agent, baseEnv, cwd: options.cwd, log: options.log, startTimeoutMs: this.startTimeoutMs }),
      );
    }
    this.secrets = secrets;
  }

  /** The longest a callTool can take: starting the server, then the call. */
  get maxCallMs(): number {
    return this.startTimeoutMs + this.callTimeoutMs;
  }

  /** Each server's state (for logs, `agent list`, tests). */
  servers(): UpstreamStatus[] {
    return [...this.upstreams.values()].map((upstream) => upstream.status());
  }

  /** The allowed tools of every server that runs (or starts now); a server that cannot start adds none, and says why in the log. */
  async listTools(): Promise<GatewayTool[]> {
    const lists = await Promise.all(
      [...this.upstreams.values()].map(async (upstream) => {
        try {
          return this.expose(upstream, await upstream.tools());
        } catch (error) {
          this.options.log(`mcp gateway ${this.options.agent}/${upstream.name}: ${errorMessage(error)}; it offers no tools`);
          return [];
        }
      }),
    );
    return lists.flat();
  }

  /**
   * Calls `<server>__<tool>`: decided (unknown or denied: refused, with the rule), recorded, forwarded with a deadline,
   * recorded again. Never throws: every failure is a result with isError.
   */
  async callTool(name: string, args: Record<string, unknown> = {}, callId: string = randomUUID()): Promise<CallToolResult> {
    const target = splitExposedName(name);
    const upstream = target ? this.upstreams.get(target.server) : undefined;
    const recorded = redactDeep(redactValues(args, this.secrets));
    const callRecord = { kind: 'mcp.call' as const, agent: this.options.agent, callId, name, server: upstream ? target!.server : null, tool: upstream ? target!.tool : null, arguments: recorded };

    if (!target || !upstream) {
      const rule = 'mcp.servers';
      const reason = `no MCP server of this agent offers ${name} (tools are named <server>__<tool>; the servers are: ${[...this.upstreams.keys()].join(', ') || 'none'})`;
      return this.refuse({ ...callRecord, outcome: 'denied', rule, reason });
    }
    let ruling: ToolRuling = ruleOnTool(target.server, this.config(target.server).tools, target.tool);
    if (ruling.allowed) {
      let tools: Tool[];
      try {
        tools = await upstream.tools();
      } catch (error) {
        return this.refuse({ ...callRecord, outcome: 'error', rule: ruling.rule, reason: errorMessage(error) });
      }
      if (!tools.some((tool) => tool.name === target.tool)) {
        ruling = { allowed: false, rule: `mcp.servers.${target.server}`, reason: `the MCP server ${target.server} has no tool ${target.tool}` };
      }
    }
    if (!ruling.allowed) return this.refuse({ ...callRecord, outcome: 'denied', rule: ruling.rule, reason: ruling.reason });

    try {
      this.options.audit({ ...callRecord, outcome: 'ok', rule: ruling.rule, reason: null });
    } catch (error) {
      return this.unaudited(name, error);
    }

    const started = performance.now();
    let result: CallToolResult | undefined;
    let failure: string | null = null;
    let resultBytes = 0;
    try {
      const answer = await upstream.call(target.tool, args, this.callTimeoutMs);
      resultBytes = Buffer.byteLength(JSON.stringify(answer));
      if (resultBytes > this.maxResultBytes) {
        failure = `the result of ${name} is ${resultBytes} bytes, more than the ${this.maxResultBytes} the gateway passes on`;
      } else {
        result = answer;
        if (answer.isError) failure = 'the tool reported an error';
      }
    } catch (error) {
      failure = error instanceof UpstreamError ? error.message : `the call of ${name} failed: ${errorMessage(error)}`;
    }
    try {
      this.options.audit({
        kind: 'mcp.result',
        agent: this.options.agent,
        callId,
        name,
        server: target.server,
        tool: target.tool,
        outcome: failure === null ? 'ok' : 'error',
        rule: ruling.rule,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        resultBytes,
        error: failure,
      });
    } catch (error) {
      // The call happened, but what it returned could not be recorded: it is not passed on unrecorded.
      this.options.log(`mcp gateway ${this.options.agent}: the result of ${name} could not be audited: ${errorMessage(error)}`);
      return toolError(`Flightdeck withheld the result of ${name}: the host could not audit it (${errorMessage(error)})`);
    }
    return result ?? toolError(`Flightdeck's MCP gateway: ${failure}`);
  }

  /** Ends every upstream server (stdio: the whole process tree); calls in flight end as tool errors. */
  async close(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((upstream) => upstream.close()));
  }

  private config(server: string): McpServerConfig {
    return this.options.servers[server]!;
  }

  private expose(upstream: Upstream, tools: Tool[]): GatewayTool[] {
    const filter = this.config(upstream.name).tools;
    const exposed: GatewayTool[] = [];
    for (const tool of tools) {
      if (!ruleOnTool(upstream.name, filter, tool.name).allowed) continue;
      const name = exposedName(upstream.name, tool.name);
      if (name.length > MAX_EXPOSED_NAME || tool.execution?.taskSupport === 'required') {
        this.options.log(`mcp gateway ${this.options.agent}/${upstream.name}: tool ${tool.name} left out (${name.length > MAX_EXPOSED_NAME ? 'name too long' : 'it needs task-based calls'})`);
        continue;
      }
      exposed.push({
        name,
        server: upstream.name,
        tool: tool.name,
        ...(tool.title === undefined ? {} : { title: tool.title }),
        ...(tool.description === undefined ? {} : { description: tool.description }),
        inputSchema: tool.inputSchema,
        ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
        ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
      });
    }
    return exposed;
  }

  /** A refused call: recorded as such (a failing record changes nothing, it is refused anyway), answered with the reason. */
  private refuse(record: McpAuditRecord & { kind: 'mcp.call' }): CallToolResult {
    try {
      this.options.audit(record);
    } catch (error) {
      this.options.log(`mcp gateway ${this.options.agent}: the refusal of ${record.name} could not be audited: ${errorMessage(error)}`);
    }
    const what = record.outcome === 'error' ? 'could not run' : 'refused';
    return toolError(`Flightdeck ${what} ${record.name}: ${record.reason} (rule ${record.rule})`);
  }

  private unaudited(name: string, error: unknown): CallToolResult {
    this.options.log(`mcp gateway ${this.options.agent}: ${name} refused, the call could not be audited: ${errorMessage(error)}`);
    return toolError(`Flightdeck refused ${name}: the host could not audit the call, so it was not forwarded (${errorMessage(error)})`);
  }
}

function validateServer(name: string, config: McpServerConfig): void {
  const where = `mcp.servers.${name}`;
  if (!SERVER_NAME.test(name)) throw new Error(`${where}: a server name is 1-64 letters, digits, _ or - (and no __)`);
  if ((config.command === undefined) === (config.url === undefined)) throw new Error(`${where}: give either command (stdio) or url (Streamable HTTP)`);
  if (config.url !== undefined) {
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new Error(`${where}.url: not a URL: ${config.url}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${where}.url: only http and https are supported`);
    if (config.args !== undefined || config.env !== undefined) throw new Error(`${where}: args and env are for command servers`);
  }
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
