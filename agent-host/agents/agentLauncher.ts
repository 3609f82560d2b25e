import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_ENV } from '../../common/protocol/agentEndpoint';
import { describeSource, type EffectivePolicy } from '../../common/protocol/policy';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import type { EgressAgentHandle } from '../egress/egressProxy';
import { confine } from '../governance/agentConfinement';
import { policyGateRules } from '../governance/gateRules';
import type { Governance } from '../governance/governance';
import { createMcpGateway } from '../mcpGateway/createGateway';
import { gatewayHandlers } from '../mcpGateway/endpointHandlers';
import type { McpGateway } from '../mcpGateway/gateway';
import { toAuditEntry } from '../mcpGateway/records';
import type { Repos } from '../repos/repos';
import type { Actor, SessionManager } from '../sessions/sessionManager';
import type { AgentBindings } from './agentBinding';
import { readAgentEnv } from './agentEnv';
import { AgentEndpoint } from './agentEndpoint';
import type { AgentRecord, AgentStore } from './agentStore';
import { LAUNCHERS } from './launchers';
import type { LaunchContext, Profile } from './launchSpec';
import type { PriceTable } from './prices';
import { RunningAgent } from './runningAgent';
import type { ToolGate } from './toolGate';

/** Values shorter than this are not treated as secrets to strip from audit records (they would match everywhere). */
const MIN_SECRET_LENGTH = 8;
const HOOKS_DEADLINE_MS = 60_000;

export interface AgentLauncherDeps {
  sessions: SessionManager;
  audit: AuditLog;
  repos: Repos;
  governance: Governance;
  store: AgentStore;
  gate: ToolGate;
  prices: PriceTable;
  /** The running agents, by name: the launcher adds each one and takes it out when its process ends. */
  running: Map<string, RunningAgent>;
  paths: { agentEnv: string; agents: string; endpoints: string };
  nodePath: string;
  hostEntry: string;
  changed: (record: AgentRecord) => void;
  log: (message: string) => void;
  hooksDeadlineMs?: number;
  /** A run's additions to its agents (role policy, read-only planner, gates the run handles). */
  bindings: AgentBindings;
}

/** What one run of an agent holds on the host, released when its process ends (or its start fails). */
interface AgentRun {
  endpoint: AgentEndpoint;
  gateway: McpGateway;
  egress: EgressAgentHandle | null;
}

/**
 * Starts one run of an agent: its policy (host, narrowed by the repo's at the base commit), its endpoint and MCP
 * gateway, the sandbox around its process, the session it runs in; and releases all of it when the process ends.
 */
export class AgentLauncher {
  private readonly runs = new Map<string, AgentRun>();

  constructor(private readonly deps: AgentLauncherDeps) {}

  /** The daemon stops: every run's endpoint closes and its MCP servers end (the sessions get SIGHUP with the rest). */
  shutdown(): void {
    for (const [name, run] of this.runs) void this.release(name, run);
  }

  async launch(record: AgentRecord, profile: Profile, resuming: boolean, size: { cols: number; rows: number }, by: Actor): Promise<void> {
    const { governance } = this.deps;
    const agentEnv = readAgentEnv(this.deps.paths.agentEnv);
    const binding = this.deps.bindings(record.name);
    // The repo's policy as the agent's base commit has it: what the agent later writes into its branch changes nothing.
    const policy = await governance.agentPolicy(record.repo, record.baseCommit, { ...agentEnv, ...profile.env }, binding?.policyLayers);
    const probe = await governance.probe();
    const agentDir = join(this.deps.paths.agents, record.name);
    mkdirSync(agentDir, { recursive: true, mode: 0o700 });
    const token = randomBytes(32).toString('base64url');
    const socketId = randomBytes(6).toString('hex');
    const socketPath = join(this.deps.paths.endpoints, `${socketId}.sock`);
    const context: LaunchContext = {
      name: record.name,
      profile: record.model === profile.model ? profile : { ...profile, model: record.model },
      worktree: record.worktree,
      branch: record.branch,
      task: record.task,
      agentDir,
      socketPath,
      token,
      nodePath: this.deps.nodePath,
      hostEntry: this.deps.hostEntry,
      env: {
        GIT_AUTHOR_NAME: `flightdeck agent ${record.name}`,
        GIT_AUTHOR_EMAIL: `${record.name}@agents.flightdeck.invalid`,
        GIT_COMMITTER_NAME: `flightdeck agent ${record.name}`,
        GIT_COMMITTER_EMAIL: `${record.name}@agents.flightdeck.invalid`,
        ...agentEnv,
        ...profile.env,
        [AGENT_ENV.socket]: socketPath,
        [AGENT_ENV.token]: token,
        [AGENT_ENV.name]: record.name,
      },
      resuming,
      confined: probe.available,
    };
    const spec = LAUNCHERS[profile.kind](context);
    const secrets = [
      { name: 'agent-token', value: token },
      ...Object.entries(agentEnv)
        .filter(([, value]) => value.length >= MIN_SECRET_LENGTH)
        .map(([key, value]) => ({ name: `agent.env:${key}`, value })),
    ];
    const gateway = await createMcpGateway({
      agent: record.name,
      servers: Object.fromEntries(
        Object.entries(policy.mcp.servers).map(([name, server]) => [
          name,
          {
            ...(server.command ? { command: server.command, args: server.args } : {}),
            ...(server.url ? { url: server.url } : {}),
            env: server.env,
            tools: { ...(server.tools.allow ? { allow: server.tools.allow.map((rule) => rule.value) } : {}), deny: server.tools.deny.map((rule) => rule.value) },
          },
        ]),
      ),
      audit: (entry) => void this.deps.audit.append(toAuditEntry(entry)),
      log: this.deps.log,
      secrets,
      cwd: record.worktree,
    });
    const mcp = gatewayHandlers(gateway);
    // The endpoint listens before the process exists, so its first request always finds it; it serves this agent
    // only while this very run of it is the running one.
    const live = (): RunningAgent => {
      const current = this.deps.running.get(record.name);
      if (!current || current.endpoint !== endpoint) throw new WireError(WireErrorCode.AgentNotRunning, `agent ${record.name} is not running`);
      return current;
    };
    let endpoint: AgentEndpoint;
    try {
      endpoint = await AgentEndpoint.open(
        socketPath,
        token,
        {
          hello: (role) => live().hello(role),
          decide: (params) => live().decide(params),
          done: (params) => live().done(params),
          state: (status) => live().state(status),
          usage: (model, usage) => live().usage(model, usage),
          progress: (message) => live().progress(message),
          ask: (kind, input) => live().ask(kind, input),
          runTool: (tool, input) => live().runTool(tool, input),
          nextMessage: (signal) => live().nextMessage(signal),
          saveConversation: (conversation, turns) => live().saveConversation(conversation, turns),
          hookEvent: (params) => live().hookEvent(params),
          refused: (method, authenticated) =>
            this.deps.audit.append({
              actor: `agent:${record.name}`,
              action: 'endpoint.refused',
              target: `method:${method.slice(0, 64)}`,
              reason: 'an agent reaches the host only through agent-side methods; what people do arrives through their own connections',
              outcome: 'denied',
              data: { authenticated },
            }),
          mcpTools: () => (live(), mcp.mcpTools()),
          mcpCall: (params) => (live(), mcp.mcpCall(params)),
        },
        this.deps.log,
      );
    } catch (error) {
      await gateway.close();
      throw error;
    }
    const run: AgentRun = { endpoint, gateway, egress: null };
    this.runs.set(record.name, run);
    let session;
    let confinement;
    try {
      const launch = await confine(governance, {
        name: record.name,
        worktree: record.worktree,
        readOnlyWorktree: binding?.readOnly ?? false,
        agentDir,
        repoObjects: this.deps.repos.objectsDir(record.repo),
        endpointSocket: socketPath,
        egressSocket: join(this.deps.paths.endpoints, `${socketId}.px`),
        nodePath: this.deps.nodePath,
        hostEntry: this.deps.hostEntry,
        spec,
        policy,
        probe,
      });
      run.egress = launch.egress;
      confinement = launch.confinement;
      session = this.deps.sessions.start(
        {
          command: launch.spec.command,
          args: launch.spec.args,
          cwd: record.worktree,
          env: launch.spec.env,
          cols: size.cols,
          rows: size.rows,
          name: `agent:${record.name}`,
          labels: { agent: record.name, agentKind: profile.kind, repo: record.repo },
          inputAllowed: true,
        },
        by,
        { confined: launch.confined },
      );
    } catch (error) {
      await this.release(record.name, run);
      throw error;
    }
    const agent = new RunningAgent(record.name, profile, session, secrets, agentDir, governed(policy, record.worktree, agentDir, binding?.readOnly ?? false), {
      store: this.deps.store,
      gate: this.deps.gate,
      prices: this.deps.prices,
      audit: this.deps.audit,
      changed: this.deps.changed,
      log: this.deps.log,
      routeAsk: binding ? (kind, input) => binding.ask(kind, input) : undefined,
      runTools: binding?.runTools ?? {},
    });
    agent.endpoint = endpoint;
    this.deps.running.set(record.name, agent);
    this.deps.changed(this.deps.store.update({ ...this.deps.store.get(record.name), sessionId: session.id, status: 'starting', question: null, confinement }));
    // A command held for approval is the agent waiting on a person, like a question.
    const stopWatchingApprovals = governance.approvals.events.on(({ type, approval }) => {
      if (approval.agent === record.name && this.deps.running.get(record.name) === agent) agent.awaitingApproval(type === 'requested' ? approval : null);
    });
    const hooksDeadline = profile.governance.hooks && profile.kind !== 'builtin' && profile.kind !== 'command' ? this.watchHooks(agent) : undefined;
    session.events.on((type) => {
      if (type === 'exited') {
        clearTimeout(hooksDeadline);
        stopWatchingApprovals();
        this.deps.running.delete(record.name);
        agent.ended();
        void this.release(record.name, run);
      } else if (type === 'status') {
        const status = session.snapshotInfo().status;
        if (status === 'working' || status === 'idle' || status === 'starting') agent.setStatus(status, true);
        else if (status === 'waiting-for-input') agent.setStatus('waiting-for-human', true);
      }
    });
  }

  /** What the host held for a run whose process is gone (or never started): approvals, endpoint, gateway, egress. */
  private async release(name: string, run: AgentRun): Promise<void> {
    const { governance } = this.deps;
    if (this.runs.get(name) === run) this.runs.delete(name);
    governance.approvals.dropAgent(name);
    governance.forgetEgressPolicy(name);
    run.endpoint.close();
    const closing = [run.gateway.close(), run.egress?.close()];
    for (const outcome of await Promise.allSettled(closing)) {
      if (outcome.status === 'rejected') this.deps.log(`agent ${name}: releasing its run: ${String(outcome.reason)}`);
    }
  }

  /**
   * A CLI ignores a config it cannot read without a word (Claude Code: an invalid settings file means no hooks at
   * all), so an agent whose hooks have not reached the host in time runs ungoverned: it is stopped. Fail closed.
   */
  private watchHooks(agent: RunningAgent): ReturnType<typeof setTimeout> {
    const deadlineMs = this.deps.hooksDeadlineMs ?? HOOKS_DEADLINE_MS;
    const timer = setTimeout(() => {
      if (agent.hooksVerified || !agent.session.running) return;
      const reason = `its hooks did not reach the host within ${deadlineMs / 1000} s, so it would run ungoverned`;
      this.deps.log(`agent ${agent.name}: stopped: ${reason}`);
      this.deps.audit.append({ actor: 'host', action: 'agent.stop', target: `agent:${agent.name}`, reason, outcome: 'ok', data: { rule: 'hooks-unverified' } });
      agent.session.kill();
    }, deadlineMs);
    timer.unref();
    return timer;
  }
}

/** The policy as the running agent applies it: the gate's rules and its budget. */
function governed(policy: EffectivePolicy, worktree: string, agentDir: string, readOnlyWorktree: boolean) {
  const { tokens, cost_usd: cost } = policy.budget;
  return {
    rules: policyGateRules(policy, worktree, [agentDir], readOnlyWorktree),
    budget: { tokens: tokens?.value ?? null, costUsd: cost?.value ?? null, source: describeSource((tokens ?? cost)?.source ?? 'default') },
  };
}
