// What the CLI agents' tests share: a stand-in for the daemon's side of one agent's endpoint (a real Unix socket and
// RpcPeer whose hook.event runs the real handleHookEvent; only the daemon's decisions are scripted), launch contexts
// whose hooks and MCP endpoint are the real agent-host bundle (built by the global setup), and a real PTY.
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { agentEndpointProtocol, AGENT_ENV, type ToolDecision } from '../../../common/protocol/agentEndpoint';
import type { AgentKind, HumanRequestKind } from '../../../common/protocol/agents';
import type { RunToolName } from '../../../common/protocol/flightdeckTools';
import { WireError } from '../../../common/wire/errors';
import { RpcPeer } from '../../../common/wire/peer';
import type { LaunchContext, Profile } from '../../../agent-host/agents/launchSpec';
import { handleHookEvent, type HookHost } from '../../../agent-host/cliAgents/hookEvents';
import { SocketTransport } from '../../../agent-host/wire/socketTransport';
import { AGENT_HOST_BUNDLE } from '../agent-host/client';

export const TOKEN = 'test-token-0123456789abcdef';

export interface Decided {
  via: 'hook' | 'mcp';
  callId: string;
  tool: string;
  input: Record<string, unknown>;
  subagent?: string;
}

export interface EndpointOptions {
  decide?: (tool: string, input: Record<string, unknown>) => ToolDecision;
  answer?: (kind: HumanRequestKind, input: Record<string, unknown>) => { answer: string; by: string };
  /** Called after each hook event was answered. */
  afterHookEvent?: (event: string) => void;
  /** The run tools the agent is offered (its hello says so). */
  runTools?: RunToolName[];
}

/** The daemon's side of one agent's endpoint, recording what reaches it. */
/** Something a test may wait on changed: the endpoint got a request, a PTY printed, a fake model got a request. */
const changes = new EventEmitter();
export const changed = (): void => void changes.emit('change');

export class TestEndpoint {
  readonly hellos: string[] = [];
  readonly events: Array<{ agent: string; event: string; payload: Record<string, unknown> }> = [];
  readonly decided: Decided[] = [];
  readonly done: Array<{ callId: string; tool: string; ok: boolean; summary: string }> = [];
  readonly statuses: Array<{ status: string; question?: string }> = [];
  readonly transcripts = new Set<string>();
  readonly progress: string[] = [];
  readonly asks: Array<{ kind: HumanRequestKind; input: Record<string, unknown> }> = [];
  readonly runToolCalls: Array<{ tool: RunToolName; input: Record<string, unknown> }> = [];
  hooksVerified = 0;

  private constructor(
    readonly socketPath: string,
    private readonly server: Server,
    private readonly options: EndpointOptions,
  ) {}

  static async start(socketPath: string, options: EndpointOptions = {}): Promise<TestEndpoint> {
    const server = createServer();
    const endpoint = new TestEndpoint(socketPath, server, options);
    server.on('connection', (socket) => endpoint.serve(new RpcPeer(agentEndpointProtocol, new SocketTransport(socket))));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return endpoint;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private decide(via: Decided['via'], callId: string, tool: string, input: Record<string, unknown>, subagent?: string): ToolDecision {
    this.decided.push({ via, callId, tool, input, ...(subagent ? { subagent } : {}) });
    changed();
    return this.options.decide?.(tool, input) ?? { decision: 'allow', reason: null, rule: 'test:allow-all' };
  }

  private serve(peer: RpcPeer<typeof agentEndpointProtocol>): void {
    let helloed = false;
    const host: HookHost = {
      decide: (callId, tool, input, subagent) => Promise.resolve(this.decide('hook', callId, tool, input, subagent)),
      done: (callId, tool, ok, summary) => (this.done.push({ callId, tool, ok, summary }), changed()),
      setStatus: (status, question) => (this.statuses.push({ status, ...(question === undefined ? {} : { question }) }), changed()),
      hooksVerified: () => (this.hooksVerified++, changed()),
      transcript: (path) => (this.transcripts.add(path), changed()),
    };
    const authenticated = () => {
      if (!helloed) throw new WireError(1000, 'agent.hello first');
    };
    peer.handle('agent.hello', ({ token, role }) => {
      if (token !== TOKEN) throw new WireError(1000, 'bad token');
      helloed = true;
      this.hellos.push(role);
      changed();
      const limits = { maxTurns: 10, maxTokens: 1000, contextTokens: 10_000 };
      return { name: 'a1', kind: 'claude-code' as const, worktree: '/', branch: 'b', task: 't', model: null, limits, turns: 0, conversation: null, runTools: this.options.runTools };
    });
    peer.handle('hook.event', async ({ agent, event, payload }) => {
      authenticated();
      this.events.push({ agent, event, payload });
      changed();
      const answer = await handleHookEvent(host, agent, event, payload);
      setImmediate(() => this.options.afterHookEvent?.(event));
      return answer;
    });
    peer.handle('tool.decide', ({ callId, tool, input, subagent }) => (authenticated(), this.decide('mcp', callId, tool, input, subagent)));
    peer.handle('tool.done', (params) => (authenticated(), this.done.push(params), changed(), {}));
    peer.handle('agent.progress', ({ message }) => (authenticated(), this.progress.push(message), changed(), {}));
    peer.handle('agent.runTool', ({ tool, input }) => (authenticated(), this.runToolCalls.push({ tool, input }), changed(), { text: `${tool}: taken` }));
    peer.handle('agent.ask', ({ kind, input }) => {
      authenticated();
      this.asks.push({ kind, input });
      changed();
      return this.options.answer?.(kind, input) ?? { answer: 'yes, go on', by: 'lead' };
    });
  }
}

/** A scratch dir with a worktree (a git repo), the agent's dir and a socket path; removed by `cleanup`. */
export function scratch(): { root: string; worktree: string; agentDir: string; socketPath: string; home: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'fd-cli-agents-'));
  const dirs = { worktree: join(root, 'wt'), agentDir: join(root, 'agent'), home: join(root, 'home') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { mode: 0o700 });
  return { root, ...dirs, socketPath: join(root, 'endpoint.sock'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function profile(kind: AgentKind, overrides: Partial<Profile> = {}): Profile {
  return {
    name: kind,
    kind,
    source: 'test',
    description: null,
    command: null,
    args: [],
    env: {},
    model: null,
    maxTurns: 10,
    maxTokens: 1000,
    contextTokens: 10_000,
    governance: { hooks: true, mcp: true },
    denyTools: [],
    ...overrides,
  };
}

/** Only what a CLI needs from the machine: nothing of the environment this test runs in leaks into the agent. */
export function baseEnv(home: string): Record<string, string> {
  // Not node_modules/.bin (npm puts it on PATH): the launchers must find the CLIs themselves.
  const path = (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .filter((dir) => !dir.includes('node_modules'))
    .join(':');
  return { PATH: path, HOME: home, LANG: 'C.UTF-8', TERM: 'xterm-256color' };
}

export function launchContext(
  kind: AgentKind,
  dirs: ReturnType<typeof scratch>,
  env: Record<string, string>,
  overrides: Partial<LaunchContext> = {},
): LaunchContext {
  return {
    name: 'a1',
    profile: profile(kind),
    worktree: dirs.worktree,
    branch: 'agent/a1',
    task: 'do the task',
    agentDir: dirs.agentDir,
    socketPath: dirs.socketPath,
    token: TOKEN,
    nodePath: process.execPath,
    hostEntry: AGENT_HOST_BUNDLE,
    env: { ...baseEnv(dirs.home), ...env, [AGENT_ENV.socket]: dirs.socketPath, [AGENT_ENV.token]: TOKEN, [AGENT_ENV.name]: 'a1' },
    resuming: false,
    confined: false,
    ...overrides,
  };
}

/** A CLI in a real PTY, as the daemon runs it; `text()` is what it printed, escape sequences removed. */
export class PtyRun {
  private output = '';
  readonly exited: Promise<number>;
  private readonly terminal: pty.IPty;

  constructor(command: string, args: string[], cwd: string, env: Record<string, string>) {
    this.terminal = pty.spawn(command, args, { name: 'xterm-256color', cols: 120, rows: 40, cwd, env });
    this.terminal.onData((data) => {
      this.output += data;
      changed();
    });
    this.exited = new Promise((resolve) => this.terminal.onExit(({ exitCode }) => resolve(exitCode)));
  }

  text(): string {
    // eslint-disable-next-line no-control-regex
    return this.output.replace(/\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]/g, '');
  }

  write(data: string): void {
    this.terminal.write(data);
  }

  kill(): void {
    try {
      this.terminal.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Resolves with `probe()` once it is truthy: checked now and after each change (see `changed`). */
export function waitFor<T>(probe: () => T, what: string, timeoutMs = 30_000, describe?: () => string): Promise<NonNullable<T>> {
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      clearTimeout(timer);
      changes.off('change', check);
    };
    const check = (): void => {
      try {
        const value = probe();
        if (!value) return;
        stop();
        resolve(value as NonNullable<T>);
      } catch (error) {
        stop();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `\n${describe()}` : ''}`));
    }, timeoutMs);
    changes.on('change', check);
    check();
  });
}
