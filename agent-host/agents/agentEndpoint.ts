import { timingSafeEqual } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { agentEndpointProtocol, type AgentEndpointProtocol, type AgentHello, type ToolDecision } from '../../common/protocol/agentEndpoint';
import type { HumanRequestKind, TokenUsage } from '../../common/protocol/agents';
import type { ParsedParamsOf, ResultOf } from '../../common/protocol/define';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { RpcPeer } from '../../common/wire/peer';
import { SocketTransport } from '../wire/socketTransport';

/** Longest path a Unix socket address holds on Linux (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;
const MAX_ENDPOINT_MESSAGE_BYTES = 64 * 1024 * 1024;

type Params<K extends keyof AgentEndpointProtocol> = ParsedParamsOf<AgentEndpointProtocol, K>;
type Result<K extends keyof AgentEndpointProtocol> = ResultOf<AgentEndpointProtocol, K>;

/** What one agent's endpoint does for it; implemented by the agent manager for that agent only. */
export interface AgentEndpointHandlers {
  hello(role: Params<'agent.hello'>['role']): AgentHello;
  decide(params: Params<'tool.decide'>): Promise<ToolDecision>;
  done(params: Params<'tool.done'>): void;
  state(status: Params<'agent.state'>['status']): void;
  usage(model: string, usage: TokenUsage): Result<'agent.usage'>;
  progress(message: string): void;
  ask(kind: HumanRequestKind, input: Record<string, unknown>): Promise<Result<'agent.ask'>>;
  /** A run tool the agent's run offers it (propose_learnings). Absent: the agent is offered none. */
  runTool?(tool: Params<'agent.runTool'>['tool'], input: Record<string, unknown>): Result<'agent.runTool'>;
  /** Resolves with the next queued human message; `signal` aborts when the asking connection goes away. */
  nextMessage(signal: AbortSignal): Promise<Result<'agent.nextMessage'>>;
  saveConversation(conversation: unknown, turns: number): void;
  hookEvent(params: Params<'hook.event'>): Promise<Result<'hook.event'>>;
  /** A request for a method the endpoint does not offer (answered MethodNotFound); audited as denied. */
  refused?(method: string, authenticated: boolean): void;
  /** The agent's MCP gateway (agent-host/mcpGateway): its allowed upstream tools. Absent: the agent has none. */
  mcpTools?(): Promise<Result<'mcp.tools'>>;
  /** A call of a gateway tool; refusals, crashes and timeouts are tool errors in the result, not exceptions. */
  mcpCall?(params: Params<'mcp.call'>): Promise<Result<'mcp.call'>>;
}

/**
 * An endpoint without an MCP gateway (no mcpTools/mcpCall handlers) lists no upstream tools and answers every call at
 * once with a tool error; this is the call deadline it reports.
 */
const NO_GATEWAY_TIMEOUT_MS = 1000;

/**
 * One agent's own way to the host: a 0600 Unix socket that only this agent is told about (and that the sandbox will
 * bind alone into its view), opened with a token. It serves agent-side methods only — nothing here can start, type
 * into, approve or read anything; the human side lives on the control socket the agent never sees.
 */
export class AgentEndpoint {
  private readonly server: Server;
  private readonly peers = new Set<RpcPeer<AgentEndpointProtocol>>();

  private constructor(
    readonly socketPath: string,
    private readonly token: string,
    private readonly handlers: AgentEndpointHandlers,
    private readonly log: (message: string) => void,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async open(
    socketPath: string,
    token: string,
    handlers: AgentEndpointHandlers,
    log: (message: string) => void,
  ): Promise<AgentEndpoint> {
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      throw new WireError(
        WireErrorCode.InvalidRequest,
        `the agent endpoint path ${socketPath} is longer than a Unix socket allows (${MAX_SOCKET_PATH} bytes): use a shorter state dir (host add --host-dir, agent-host --state-dir)`,
      );
    }
    rmSync(socketPath, { force: true });
    const endpoint = new AgentEndpoint(socketPath, token, handlers, log);
    await new Promise<void>((resolve, reject) => {
      endpoint.server.once('error', reject);
      const previousUmask = process.umask(0o177);
      endpoint.server.listen(socketPath, () => {
        process.umask(previousUmask);
        chmodSync(socketPath, 0o600);
        endpoint.server.off('error', reject);
        endpoint.server.on('error', (error) => log(`agent endpoint ${socketPath}: ${error.message}`));
        resolve();
      });
    });
    return endpoint;
  }

  close(): void {
    this.server.close();
    for (const peer of this.peers) peer.close();
    rmSync(this.socketPath, { force: true });
  }

  private accept(socket: Socket): void {
    const peer = new RpcPeer(agentEndpointProtocol, new SocketTransport(socket), { maxMessageBytes: MAX_ENDPOINT_MESSAGE_BYTES });
    const gone = new AbortController();
    this.peers.add(peer);
    peer.onClose(() => {
      this.peers.delete(peer);
      gone.abort();
    });
    peer.onProtocolError((error) => this.log(`agent endpoint ${this.socketPath}: ${error.message}`));
    let authenticated = false;
    // A method of the human side (approve, send, start…) asked for here is an agent trying to act as a person.
    peer.onUnknownMethod((method) => this.handlers.refused?.(method, authenticated));
    const authed = <T>(fn: () => T): T => {
      if (!authenticated) throw new WireError(WireErrorCode.HandshakeRequired, 'the first request must be agent.hello with the agent’s token');
      return fn();
    };
    const { handlers } = this;
    peer.handle('agent.hello', ({ token, role }) => {
      if (!sameToken(token, this.token)) {
        // Close after the refusal is written: a wrong token gets no second try on this connection.
        setImmediate(() => peer.close());
        throw new WireError(WireErrorCode.InvalidRequest, 'wrong agent token');
      }
      authenticated = true;
      return handlers.hello(role);
    });
    peer.handle('tool.decide', (params) => authed(() => handlers.decide(params)));
    peer.handle('tool.done', (params) => authed(() => (handlers.done(params), {})));
    peer.handle('agent.state', ({ status }) => authed(() => (handlers.state(status), {})));
    peer.handle('agent.usage', ({ model, usage }) => authed(() => handlers.usage(model, usage)));
    peer.handle('agent.progress', ({ message }) => authed(() => (handlers.progress(message), {})));
    peer.handle('agent.ask', ({ kind, input }) => authed(() => handlers.ask(kind, input)));
    peer.handle('agent.runTool', ({ tool, input }) =>
      authed(() => {
        if (!handlers.runTool) throw new WireError(WireErrorCode.InvalidRequest, `${tool} is not offered to this agent`);
        return handlers.runTool(tool, input);
      }),
    );
    peer.handle('agent.nextMessage', () => authed(() => handlers.nextMessage(gone.signal)));
    peer.handle('conversation.save', ({ conversation, turns }) => authed(() => (handlers.saveConversation(conversation, turns), {})));
    peer.handle('hook.event', (params) => authed(() => handlers.hookEvent(params)));
    peer.handle('mcp.tools', () => authed(() => handlers.mcpTools?.() ?? { tools: [], callTimeoutMs: NO_GATEWAY_TIMEOUT_MS }));
    peer.handle('mcp.call', (params) =>
      authed(
        () =>
          handlers.mcpCall?.(params) ?? {
            content: [{ type: 'text', text: `the host runs no MCP servers for this agent, so ${params.name} does not exist` }],
            isError: true,
          },
      ),
    );
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
