// The daemon's side the governance benchmarks share: one AuditLog on a real SQLite file, the ToolGate every tool call
// passes, one AgentEndpoint per agent, and helpers for the agent processes.
import { type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AgentHello } from '../../../common/protocol/agentEndpoint';
import { AgentEndpoint, type AgentEndpointHandlers } from '../../../agent-host/agents/agentEndpoint';
import type { Profile } from '../../../agent-host/agents/launchSpec';
import { ToolGate, type GateSubject } from '../../../agent-host/agents/toolGate';
import { AuditLog } from '../../../agent-host/audit/auditLog';
import { verifyAudit } from '../../../agent-host/audit/auditVerify';
import { handleHookEvent, type HookHost } from '../../../agent-host/cliAgents/hookEvents';
import { Approvals } from '../../../agent-host/governance/approvals';
import { policyGateRules } from '../../../agent-host/governance/gateRules';
import { openDatabase, type Db } from '../../../agent-host/journal/database';
import { defaultHostLayer, effectivePolicy } from '../../../agent-host/policy';
export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const EGRESS_PEER = join(import.meta.dirname, '..', 'governance', 'egress-peer.ts');
export const DECIDE_CLIENT = join(import.meta.dirname, '..', 'governance', 'decide-client.ts');
export const TOKEN = 'bench-token-0123456789abcdef';
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

// ---------------------------------------------------------------------------------------------------------------
// Shared: the daemon's side (one AuditLog on a real SQLite file, the ToolGate every tool call passes, one
// AgentEndpoint per agent) and child processes.

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code: number | null) => resolve({ code, stdout, stderr }));
  });
}

export function lastJsonLine<T>(what: string, result: Finished): T {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as T;
}

/** A port on 127.0.0.1 free a moment ago (sandbox-exec takes a fixed port, as the host gives it one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const PROFILE: Profile = {
  name: 'claude-code',
  kind: 'claude-code',
  source: 'bench',
  description: null,
  command: null,
  args: [],
  env: {},
  model: null,
  maxTurns: 100,
  maxTokens: 1_000_000,
  contextTokens: 200_000,
  governance: { hooks: true, mcp: true },
  denyTools: [],
};

/** What the daemon holds for governing agents' tool calls: one database, its audit chain, the gate. */
export class DaemonSide {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly gate: ToolGate;
  readonly subject: GateSubject;
  readonly worktree: string;
  private readonly endpoints: AgentEndpoint[] = [];

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = openDatabase(join(dir, 'host.db'));
    this.audit = new AuditLog(this.db);
    this.gate = new ToolGate(this.audit, new Approvals(this.audit));
    this.worktree = join(dir, 'worktree');
    // The closed defaults (no policy file): writes in the worktree only, no command rules.
    const rules = policyGateRules(effectivePolicy(defaultHostLayer(dir)), this.worktree, [join(dir, 'agent')]);
    this.subject = { profile: PROFILE, rules, secrets: [] };
  }

  /** One agent's endpoint, its handlers doing what RunningAgent's do for the calls the bench makes. */
  async openEndpoint(agent: string): Promise<AgentEndpoint> {
    const { gate, subject } = this;
    const decide: AgentEndpointHandlers['decide'] = (params) => gate.decide({ agent, ...params }, subject);
    const hookHost: HookHost = {
      decide: (callId, tool, input, subagent) => decide({ callId, tool, input, ...(subagent ? { subagent } : {}) }),
      done: (callId, tool, ok, summary) => gate.done(agent, callId, tool, ok, summary, subject.secrets),
      setStatus: () => undefined,
      hooksVerified: () => undefined,
      // RunningAgent reads the transcript asynchronously, after the answer; not part of the round trip.
      transcript: () => undefined,
    };
    const notInBench = (method: string) => (): never => {
      throw new Error(`${method} is not part of the benchmark`);
    };
    const hello = (): AgentHello => ({
      name: agent,
      kind: 'claude-code',
      worktree: this.worktree,
      branch: `agent/${agent}`,
      task: 'bench',
      model: null,
      limits: { maxTurns: PROFILE.maxTurns, maxTokens: PROFILE.maxTokens, contextTokens: PROFILE.contextTokens },
      turns: 0,
      conversation: null,
    });
    const handlers: AgentEndpointHandlers = {
      hello,
      decide,
      done: (params) => gate.done(agent, params.callId, params.tool, params.ok, params.summary, subject.secrets),
      state: () => undefined,
      usage: notInBench('agent.usage'),
      progress: () => undefined,
      ask: notInBench('agent.ask'),
      nextMessage: notInBench('agent.nextMessage'),
      saveConversation: () => undefined,
      hookEvent: (params) => handleHookEvent(hookHost, params.agent, params.event, params.payload),
    };
    const endpoint = await AgentEndpoint.open(join(this.dir, `${agent}.sock`), TOKEN, handlers, () => undefined);
    this.endpoints.push(endpoint);
    return endpoint;
  }

  records(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
  }

  /** Closes the endpoints and the database; throws if the chain written during the bench does not verify. */
  close(): void {
    for (const endpoint of this.endpoints.splice(0)) endpoint.close();
    try {
      const verified = verifyAudit(this.db);
      if (!verified.ok) throw new Error(`the audit chain written by the bench does not verify: ${JSON.stringify(verified)}`);
    } finally {
      this.db.close();
    }
  }
}
