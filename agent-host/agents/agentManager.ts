import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Emitter, type ListenerErrorHandler } from '../../common/events';
import type { StartAgentParams } from '../../common/protocol/agentMethods';
import { ZERO_USAGE, type AgentEvent, type AgentInfo, type MessageDelivery, type ProfileInfo } from '../../common/protocol/agents';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { z } from 'zod';
import type { AuditLog } from '../audit/auditLog';
import type { Repos } from '../repos/repos';
import type { Actor, SessionManager } from '../sessions/sessionManager';
import type { AgentBindings } from './agentBinding';
import { readAgentEnv } from './agentEnv';
import { AgentStore, toInfo, type AgentRecord } from './agentStore';
import { AgentLauncher } from './agentLauncher';
import { PriceTable } from './prices';
import { Profiles } from './profiles';
import type { RunningAgent } from './runningAgent';
import { ToolGate } from './toolGate';
import type { Db } from '../journal/database';
import type { Governance } from '../governance/governance';

type ParsedStart = z.output<typeof StartAgentParams>;

export interface AgentManagerDeps {
  stateDir: string;
  db: Db;
  sessions: SessionManager;
  audit: AuditLog;
  repos: Repos;
  governance: Governance;
  /** `process.execPath` and the agent-host bundle, to run `agent-host agent|hook|mcp` for agents. */
  nodePath: string;
  hostEntry: string;
  log: (message: string) => void;
  onListenerError?: ListenerErrorHandler;
  /** How long a CLI agent under hooks has to prove they fire (its SessionStart hook) before it is stopped. */
  hooksDeadlineMs?: number;
}

const agentPaths = (stateDir: string) => ({
  profiles: join(stateDir, 'profiles.yaml'),
  agentEnv: join(stateDir, 'agent.env'),
  prices: join(stateDir, 'prices.yaml'),
  agents: join(stateDir, 'agents'),
  // Short: a Unix socket path must fit in 107 bytes.
  endpoints: join(stateDir, 'ep'),
});

/**
 * Agents are sessions with a profile, a worktree and branch, a task and an endpoint: this starts, stops, resumes and
 * removes them, and keeps what lists show (status, question, tokens, cost) in the host database.
 */
export class AgentManager {
  readonly events: Emitter<AgentEvent>;
  private readonly store: AgentStore;
  private readonly profiles: Profiles;
  private readonly prices: PriceTable;
  private readonly gate: ToolGate;
  private readonly running = new Map<string, RunningAgent>();
  /** Names being started right now: a second start of the same name is refused before it touches git. */
  private readonly starting = new Set<string>();
  private readonly paths: ReturnType<typeof agentPaths>;
  private readonly launcher: AgentLauncher;
  /** Each binds its own agents (runs' planners and steps, retrospectives); the first that knows an agent binds it. */
  private readonly bindings: AgentBindings[] = [];

  constructor(private readonly deps: AgentManagerDeps) {
    this.paths = agentPaths(deps.stateDir);
    this.store = new AgentStore(deps.db);
    this.profiles = new Profiles(this.paths.profiles);
    this.prices = new PriceTable(this.paths.prices);
    this.gate = new ToolGate(deps.audit, deps.governance.approvals);
    this.events = new Emitter({ name: 'agent events', onListenerError: deps.onListenerError });
    for (const dir of [this.paths.agents, this.paths.endpoints]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.launcher = new AgentLauncher({
      sessions: deps.sessions,
      audit: deps.audit,
      repos: deps.repos,
      governance: deps.governance,
      store: this.store,
      gate: this.gate,
      prices: this.prices,
      running: this.running,
      paths: this.paths,
      nodePath: deps.nodePath,
      hostEntry: deps.hostEntry,
      changed: (record) => this.changed(record),
      log: deps.log,
      hooksDeadlineMs: deps.hooksDeadlineMs,
      bindings: (agent) => this.bindings.reduce<ReturnType<AgentBindings>>((found, bind) => found ?? bind(agent), undefined),
    });
  }

  /** Runs add to their agents (role policy, read-only planner, their gates): asked at every launch and resume. */
  bindRuns(bindings: AgentBindings): void {
    this.bindings.push(bindings);
  }

  /** Whether the agent's process runs now. */
  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  /** The full input of the question an agent waits on (lists carry one line of it). */
  questionInput(name: string, id: string): Record<string, unknown> | undefined {
    const pending = this.running.get(name)?.pendingQuestion();
    return pending?.id === id ? pending.input : undefined;
  }

  find(name: string): AgentInfo | undefined {
    const record = this.store.find(name);
    return record ? toInfo(record) : undefined;
  }

  /** After a daemon restart: agents that ran died with the previous daemon (their sessions are interrupted). */
  restore(): number {
    // Sockets of the previous daemon's endpoints: nobody serves them any more.
    rmSync(this.paths.endpoints, { recursive: true, force: true });
    mkdirSync(this.paths.endpoints, { recursive: true, mode: 0o700 });
    let interrupted = 0;
    for (const record of this.store.list()) {
      if (record.status === 'stopped' || record.status === 'exited' || record.status === 'interrupted') continue;
      this.store.update({ ...record, status: 'interrupted', question: null });
      interrupted++;
    }
    return interrupted;
  }

  list(): AgentInfo[] {
    return this.store.list().map(toInfo);
  }

  profileInfos(): ProfileInfo[] {
    return this.profiles.infos();
  }

  /** How many agents have a worktree of this repo (a repo with any is not removed). */
  worktreesOf(repo: string): number {
    return this.store.list().filter((record) => record.repo === repo).length;
  }

  /** `model` overrides the profile's (a runbook role's choice); it stays the agent's model across resumes. */
  async start(params: ParsedStart, by: Actor, options: { model?: string } = {}): Promise<AgentInfo> {
    const profile = this.profiles.get(params.profile);
    this.deps.repos.get(params.repo);
    // Before git is touched: a bad agent.env or profile must leave nothing behind.
    readAgentEnv(this.paths.agentEnv);
    const name = params.name ?? `${profile.name.slice(0, 30)}-${randomBytes(2).toString('hex')}`;
    if (this.store.find(name) || this.starting.has(name)) {
      throw new WireError(WireErrorCode.AgentExists, `an agent named ${name} already exists on this host`, { agent: name });
    }
    this.starting.add(name);
    const audit = { actor: by.actor, action: 'agent.start', target: `agent:${name}` };
    try {
      const baseCommit = await this.deps.repos.resolveBase(params.repo, params.base);
      const worktree = await this.deps.repos.createWorktree(params.repo, name, baseCommit);
      const now = Date.now();
      const record: AgentRecord = {
        name,
        profile: profile.name,
        kind: profile.kind,
        repo: params.repo,
        branch: worktree.branch,
        baseCommit,
        worktree: worktree.path,
        task: params.task,
        model: options.model ?? profile.model,
        sessionId: null,
        status: 'starting',
        question: null,
        messages: [],
        usage: ZERO_USAGE,
        costUsd: null,
        turns: 0,
        confinement: null,
        createdAt: now,
        updatedAt: now,
      };
      this.store.insert(record);
      try {
        await this.launcher.launch(record, profile, false, params, by);
      } catch (error) {
        // Nothing half-created: the worktree, its new branch and the record go again.
        this.store.remove(name);
        await this.deps.repos.removeWorktree(params.repo, worktree.path, true).catch(() => undefined);
        await this.deps.repos.deleteBranch(params.repo, worktree.branch).catch(() => undefined);
        throw error;
      }
      this.deps.audit.append({
        ...audit,
        outcome: 'ok',
        data: { ...by.data, profile: profile.name, repo: params.repo, base: params.base ?? null, baseCommit, task: params.task },
      });
      const info = toInfo(this.store.get(name));
      this.events.emit({ type: 'started', agent: info });
      return info;
    } catch (error) {
      this.deps.audit.append({ ...audit, outcome: 'error', data: { ...by.data, profile: profile.name, repo: params.repo, error: String(error) } });
      throw error;
    } finally {
      this.starting.delete(name);
    }
  }

  send(name: string, text: string, by: Actor): MessageDelivery {
    const agent = this.running.get(name);
    if (agent) return agent.send(text, by.actor);
    const record = this.store.get(name);
    // A stopped agent keeps its mail: it reads it when resumed.
    this.deps.audit.append({ actor: by.actor, action: 'agent.message', target: `agent:${name}`, outcome: 'ok', data: { ...by.data, text } });
    this.changed(this.store.update({ ...record, messages: [...record.messages, { text, by: by.actor, at: Date.now() }] }));
    return 'queued';
  }

  stop(name: string, by: Actor): AgentInfo {
    const agent = this.running.get(name);
    if (!agent) throw new WireError(WireErrorCode.AgentNotRunning, `agent ${name} is not running`, { agent: name });
    this.deps.audit.append({ actor: by.actor, action: 'agent.stop', target: `agent:${name}`, outcome: 'ok', data: by.data });
    agent.stopping = true;
    agent.session.kill();
    return toInfo(this.store.get(name));
  }

  async resume(name: string, size: { cols?: number; rows?: number }, by: Actor): Promise<AgentInfo> {
    if (this.running.has(name)) throw new WireError(WireErrorCode.AgentRunning, `agent ${name} is running`, { agent: name });
    const record = this.store.get(name);
    const profile = this.profiles.get(record.profile);
    const audit = { actor: by.actor, action: 'agent.resume', target: `agent:${name}` };
    try {
      await this.launcher.launch(record, profile, true, { cols: size.cols ?? 120, rows: size.rows ?? 32 }, by);
    } catch (error) {
      this.deps.audit.append({ ...audit, outcome: 'error', data: { ...by.data, error: String(error) } });
      throw error;
    }
    this.deps.audit.append({ ...audit, outcome: 'ok', data: by.data });
    return toInfo(this.store.get(name));
  }

  async remove(name: string, force: boolean, by: Actor): Promise<void> {
    if (this.running.has(name)) {
      throw new WireError(WireErrorCode.AgentRunning, `agent ${name} is running; stop it first`, { agent: name });
    }
    const record = this.store.get(name);
    await this.deps.repos.removeWorktree(record.repo, record.worktree, force);
    this.store.remove(name);
    rmSync(join(this.paths.agents, name), { recursive: true, force: true });
    this.deps.audit.append({
      actor: by.actor,
      action: 'agent.remove',
      target: `agent:${name}`,
      outcome: 'ok',
      data: { ...by.data, force, branch: record.branch, worktree: record.worktree },
    });
    this.events.emit({ type: 'removed', agent: toInfo(record) });
  }

  /** The daemon stops: endpoints close (their agents' sessions get SIGHUP with the rest). */
  shutdown(): void {
    this.launcher.shutdown();
  }

  private changed(record: AgentRecord): void {
    this.events.emit({ type: 'changed', agent: toInfo(record) });
  }
}
