// The daemon's side of an agent endpoint, for the built-in agent's unit tests only: a real Unix socket and RpcPeer
// whose handlers record every call and answer as the test says. The real daemon is tested end to end elsewhere.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emitter } from '../../../common/events';
import { agentEndpointProtocol, type AgentHello, type ToolDecision } from '../../../common/protocol/agentEndpoint';
import type { TokenUsage } from '../../../common/protocol/agents';
import type { ParsedParamsOf, RequestNames } from '../../../common/protocol/define';
import { WireError, WireErrorCode } from '../../../common/wire/errors';
import { RpcPeer } from '../../../common/wire/peer';
import { SocketTransport } from '../../wire/socketTransport';

type Protocol = typeof agentEndpointProtocol;
type Method = Exclude<RequestNames<Protocol>, 'hook.event'>;
export type EndpointCall = { [K in Method]: { method: K; params: ParsedParamsOf<Protocol, K> } }[Method];
type Params<K extends Method> = ParsedParamsOf<Protocol, K>;

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export class TestEndpoint {
  readonly calls: EndpointCall[] = [];
  /** How tool.decide answers; allow by default. */
  decide: (params: Params<'tool.decide'>) => ToolDecision = () => ({ decision: 'allow', reason: null, rule: 'test-allow' });
  /** How agent.ask answers; set by the tests that ask. */
  ask: (params: Params<'agent.ask'>) => Promise<{ answer: string; by: string }> = () =>
    Promise.reject(new WireError(WireErrorCode.InternalError, 'this test does not answer questions'));
  /** How agent.runTool answers. */
  runTool: (params: Params<'agent.runTool'>) => { text: string } = ({ tool }) => ({ text: `${tool} done` });
  costUsd: number | null = null;
  private readonly recorded = new Emitter<EndpointCall>();
  private readonly peers = new Set<RpcPeer<Protocol>>();
  private readonly queued: { text: string; by: string }[] = [];
  private readonly waiting: ((message: { text: string; by: string }) => void)[] = [];
  private total: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

  private constructor(
    readonly socketPath: string,
    private readonly dir: string,
    private readonly server: Server,
    readonly hello: AgentHello,
  ) {
    server.on('connection', (socket) => this.serve(new RpcPeer(agentEndpointProtocol, new SocketTransport(socket))));
  }

  /** `hello`: what agent.hello answers, over defaults for a first start of `builder-1`. */
  static async start(hello: Partial<AgentHello> = {}): Promise<TestEndpoint> {
    const dir = mkdtempSync(join(tmpdir(), 'fd-endpoint-'));
    const socketPath = join(dir, 'agent.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return new TestEndpoint(socketPath, dir, server, {
      name: 'builder-1',
      kind: 'builtin',
      worktree: dir,
      branch: 'flightdeck/builder-1',
      task: 'Fix the greeting.',
      model: 'claude-test-model',
      limits: { maxTurns: 20, maxTokens: 1024, contextTokens: 100_000 },
      turns: 0,
      conversation: null,
      ...hello,
    });
  }

  /** Calls of one method, in order. */
  of<K extends Method>(method: K): Params<K>[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.params as Params<K>);
  }

  /** Resolves with the `count`-th call of `method` that matches (counting calls made before this was asked). */
  waitFor<K extends Method>(method: K, match: (params: Params<K>) => boolean = () => true, count = 1): Promise<Params<K>> {
    return new Promise((resolve) => {
      let seen = 0;
      const check = (call: EndpointCall): boolean => {
        if (call.method !== method || !match(call.params as Params<K>)) return false;
        seen++;
        if (seen < count) return false;
        resolve(call.params as Params<K>);
        return true;
      };
      if (this.calls.some(check)) return;
      const off = this.recorded.on((call) => check(call) && off());
    });
  }

  /** A message "sent with flightdeck agent send": answers a waiting agent.nextMessage, or the next one. */
  send(text: string, by: string): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter({ text, by });
    else this.queued.push({ text, by });
  }

  /** The daemon goes away: every connection closes. */
  disconnect(): void {
    for (const peer of this.peers) peer.close();
  }

  async close(): Promise<void> {
    this.disconnect();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private serve(peer: RpcPeer<Protocol>): void {
    this.peers.add(peer);
    peer.onClose(() => this.peers.delete(peer));
    const on = <K extends Method>(method: K, answer: (params: Params<K>) => unknown) =>
      peer.handle(method, ((params: Params<K>) => {
        const call = { method, params } as EndpointCall;
        this.calls.push(call);
        this.recorded.emit(call);
        return answer(params);
      }) as never);
    on('agent.hello', ({ token }) => {
      if (token !== TEST_TOKEN) throw new WireError(WireErrorCode.InvalidParams, 'unknown token');
      return this.hello;
    });
    on('tool.decide', (params) => this.decide(params));
    on('tool.done', () => ({}));
    on('agent.state', () => ({}));
    on('agent.progress', () => ({}));
    on('agent.usage', ({ usage }) => {
      this.total = {
        inputTokens: this.total.inputTokens + usage.inputTokens,
        outputTokens: this.total.outputTokens + usage.outputTokens,
        cacheReadTokens: this.total.cacheReadTokens + usage.cacheReadTokens,
        cacheWriteTokens: this.total.cacheWriteTokens + usage.cacheWriteTokens,
      };
      return { total: this.total, costUsd: this.costUsd };
    });
    on('agent.ask', (params) => this.ask(params));
    on('agent.runTool', (params) => this.runTool(params));
    on('agent.nextMessage', () => {
      const queued = this.queued.shift();
      return queued ?? new Promise((resolve) => this.waiting.push(resolve));
    });
    on('conversation.save', () => ({}));
  }
}
