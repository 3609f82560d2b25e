import { randomBytes } from 'node:crypto';
import { isAbsolute, relative, resolve } from 'node:path';
import type { AgentHello, ToolDecision } from '../../common/protocol/agentEndpoint';
import { addUsage, ZERO_USAGE, type AgentStatus, type HumanRequestKind, type MessageDelivery, type TokenUsage } from '../../common/protocol/agents';
import { flightdeckTools, type RunToolName } from '../../common/protocol/flightdeckTools';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { describeZodIssues } from '../../common/zodIssues';
import type { AuditLog } from '../audit/auditLog';
import type { Session } from '../sessions/session';
import type { AgentEndpoint, AgentEndpointHandlers } from './agentEndpoint';
import type { AgentRecord, AgentStore } from './agentStore';
import type { Profile } from './launchSpec';
import type { PriceTable } from './prices';
import type { ApprovalInfo } from '../../common/protocol/governance';
import type { GateRules } from '../governance/gateRules';
import type { ToolGate } from './toolGate';
import type { AgentBinding } from './agentBinding';
import { questionLine } from './questionLine';
import { handleHookEvent, type HookAnswer, type HookHost } from '../cliAgents/hookEvents';
import { TranscriptFollower } from '../cliAgents/transcriptFollower';
import type { TranscriptUsage } from '../cliAgents/transcriptUsage';

/** Between the paste and its Enter: TUIs that read a paste in one go would otherwise take the Enter as part of it. */
const ENTER_AFTER_PASTE_MS = 100;

export interface RunningAgentDeps {
  store: AgentStore;
  gate: ToolGate;
  prices: PriceTable;
  audit: AuditLog;
  changed: (record: AgentRecord) => void;
  log: (message: string) => void;
  /** The agent's run takes some blocking tools itself (AgentBinding.ask). */
  routeAsk?: AgentBinding['ask'];
  /** The run tools its run offers it (AgentBinding.runTools). */
  runTools: NonNullable<AgentBinding['runTools']>;
}

/** What the policy holds this agent to beyond single tool calls. */
export interface AgentGovernance {
  rules: GateRules;
  budget: { tokens: number | null; costUsd: number | null; source: string };
}

interface PendingAsk {
  id: string;
  kind: HumanRequestKind;
  /** The tool's input as the agent gave it (validated): what a person reads to decide. */
  input: Record<string, unknown>;
  resolve: (answer: { answer: string; by: string }) => void;
}

/**
 * An agent whose process runs: the host side of its endpoint. It acts for this one agent only, keeps its status from
 * the agent's own events (the session's screen heuristics only until the first one), holds the question it waits on
 * and the messages humans queued for it.
 */
export class RunningAgent implements AgentEndpointHandlers {
  endpoint: AgentEndpoint | undefined;
  /** Set by agent stop, so the exit reads as stopped rather than exited. */
  stopping = false;
  /** A CLI agent's SessionStart hook reached the host: its generated settings are in force. */
  hooksVerified = false;
  private reported = false;
  private pendingAsk: PendingAsk | undefined;
  private readonly transcripts = new TranscriptFollower(
    (file, totals) => this.countTranscript(file, totals),
    (file, error) => this.deps.log(`agent ${this.name}: could not count its transcript ${file}: ${String(error)}`),
  );
  private messageWaiters: ((message: { text: string; by: string }) => void)[] = [];

  constructor(
    readonly name: string,
    readonly profile: Profile,
    readonly session: Session,
    readonly secrets: readonly { name: string; value: string }[],
    /** The agent's private dir on the host (its CLI's config and transcripts live there). */
    private readonly agentDir: string,
    private readonly governance: AgentGovernance,
    private readonly deps: RunningAgentDeps,
  ) {}

  private get record(): AgentRecord {
    return this.deps.store.get(this.name);
  }

  private update(change: Partial<AgentRecord>): AgentRecord {
    const record = this.deps.store.update({ ...this.record, ...change });
    this.deps.changed(record);
    if (change.usage || change.costUsd !== undefined) this.enforceBudget(record);
    return record;
  }

  /** Past its policy budget (tokens or cost) the agent is stopped by the host, and says why in the audit. */
  private enforceBudget(record: AgentRecord): void {
    const { tokens, costUsd, source } = this.governance.budget;
    const used = record.usage.inputTokens + record.usage.outputTokens + record.usage.cacheReadTokens + record.usage.cacheWriteTokens;
    const over =
      tokens !== null && used > tokens
        ? `it used ${used} tokens, over its budget of ${tokens}`
        : costUsd !== null && record.costUsd !== null && record.costUsd > costUsd
          ? `it cost $${record.costUsd.toFixed(4)}, over its budget of $${costUsd}`
          : null;
    if (!over || this.stopping || !this.session.running) return;
    this.stopping = true;
    this.deps.log(`agent ${this.name}: stopped: ${over}`);
    this.deps.audit.append({ actor: 'host', action: 'agent.stop', target: `agent:${this.name}`, reason: over, outcome: 'ok', data: { rule: `budget (${source})` } });
    this.session.kill();
  }

  hello(role: 'agent' | 'hook' | 'mcp'): AgentHello {
    const record = this.record;
    if (role === 'agent' && record.status === 'starting') this.setStatus('working');
    return {
      name: record.name,
      kind: record.kind,
      worktree: record.worktree,
      branch: record.branch,
      task: record.task,
      model: record.model,
      limits: { maxTurns: this.profile.maxTurns, maxTokens: this.profile.maxTokens, contextTokens: this.profile.contextTokens },
      turns: record.turns,
      conversation: role === 'agent' ? this.deps.store.conversation(this.name) : null,
      runTools: Object.keys(this.deps.runTools) as RunToolName[],
    };
  }

  decide(params: { callId: string; tool: string; input: Record<string, unknown>; subagent?: string }): Promise<ToolDecision> {
    return this.deps.gate.decide({ agent: this.name, ...params }, { profile: this.profile, rules: this.governance.rules, secrets: this.secrets });
  }

  done(params: { callId: string; tool: string; ok: boolean; summary: string }): void {
    this.deps.gate.done(this.name, params.callId, params.tool, params.ok, params.summary, this.secrets);
  }

  state(status: 'working' | 'idle'): void {
    this.setStatus(status);
  }

  usage(model: string, usage: TokenUsage): { total: TokenUsage; costUsd: number | null } {
    const record = this.record;
    const total = addUsage(record.usage, usage);
    const callCost = this.deps.prices.cost(model, usage);
    const costUsd = callCost === null ? record.costUsd : (record.costUsd ?? 0) + callCost;
    this.update({ usage: total, costUsd, model, turns: record.turns + 1 });
    return { total, costUsd };
  }


  progress(message: string): void {
    this.deps.audit.append({ actor: `agent:${this.name}`, action: 'agent.progress', target: `agent:${this.name}`, outcome: 'ok', data: { message } });
    this.update({});
  }

  ask(kind: HumanRequestKind, input: Record<string, unknown>): Promise<{ answer: string; by: string }> {
    const parsed = flightdeckTools[kind].input.safeParse(input);
    if (!parsed.success) throw new WireError(WireErrorCode.InvalidParams, `invalid ${kind} input: ${describeZodIssues(parsed.error)}`);
    if (this.pendingAsk) throw new WireError(WireErrorCode.InvalidRequest, 'the agent already waits on a human; one question at a time');
    const routed = this.deps.routeAsk?.(kind, parsed.data as Record<string, unknown>);
    if (routed) return this.waitOnRun(routed);
    const id = `q-${randomBytes(4).toString('hex')}`;
    this.deps.audit.append({ actor: `agent:${this.name}`, action: `agent.${kind}`, target: `agent:${this.name}`, outcome: 'ok', data: { id, input } });
    const line = questionLine(kind, parsed.data as Record<string, unknown>);
    const options = kind === 'ask_human' ? (parsed.data as { options?: string[] }).options : undefined;
    this.update({ status: 'waiting-for-human', question: { id, kind, text: line, ...(options ? { options } : {}), askedAt: Date.now() } });
    this.session.reportStatus('waiting-for-input');
    return new Promise((resolve) => (this.pendingAsk = { id, kind, input: parsed.data as Record<string, unknown>, resolve }));
  }

  /** A run tool: only when its run offers it to this agent; the input is checked against the tool's schema first. */
  runTool(tool: RunToolName, input: Record<string, unknown>): { text: string } {
    const handle = this.deps.runTools[tool];
    if (!handle) throw new WireError(WireErrorCode.InvalidRequest, `${tool} is not offered to this agent`);
    const parsed = flightdeckTools[tool].input.safeParse(input);
    if (!parsed.success) throw new WireError(WireErrorCode.InvalidParams, `invalid ${tool} input: ${describeZodIssues(parsed.error)}`);
    return { text: handle(parsed.data) };
  }

  /** A gate the run holds (the plan under review): the agent waits on a human meanwhile, as for its own questions. */
  private async waitOnRun(answer: Promise<{ answer: string; by: string }>): Promise<{ answer: string; by: string }> {
    this.update({ status: 'waiting-for-human' });
    this.session.reportStatus('waiting-for-input');
    try {
      return await answer;
    } finally {
      if (this.session.running) {
        this.update({ status: 'working' });
        this.session.reportStatus('working');
      }
    }
  }

  /** The question the agent waits on, with its full input. */
  pendingQuestion(): { id: string; kind: HumanRequestKind; input: Record<string, unknown> } | undefined {
    const pending = this.pendingAsk;
    return pending && { id: pending.id, kind: pending.kind, input: pending.input };
  }

  nextMessage(signal: AbortSignal): Promise<{ text: string; by: string }> {
    const [first, ...rest] = this.record.messages;
    if (first) {
      this.update({ messages: rest });
      return Promise.resolve({ text: first.text, by: first.by });
    }
    return new Promise((resolve, reject) => {
      const waiter = (message: { text: string; by: string }) => resolve(message);
      this.messageWaiters.push(waiter);
      signal.addEventListener('abort', () => {
        this.messageWaiters = this.messageWaiters.filter((candidate) => candidate !== waiter);
        reject(new Error('the agent went away'));
      });
    });
  }

  saveConversation(conversation: unknown, turns: number): void {
    this.deps.store.saveConversation(this.name, conversation, turns);
  }

  /**
   * A human's message: the answer when the agent waits on a question; else handed to the built-in agent (now if it
   * waits for one, else queued), typed into a CLI agent at its prompt, or queued until it gets there.
   */
  send(text: string, by: string): MessageDelivery {
    const pending = this.pendingAsk;
    if (pending) {
      this.pendingAsk = undefined;
      this.deps.audit.append({ actor: by, action: 'agent.answer', target: `agent:${this.name}`, outcome: 'ok', data: { id: pending.id, answer: text } });
      this.update({ status: 'working', question: null });
      this.session.reportStatus('working');
      pending.resolve({ answer: text, by });
      return 'answered';
    }
    this.deps.audit.append({ actor: by, action: 'agent.message', target: `agent:${this.name}`, outcome: 'ok', data: { text } });
    const waiter = this.messageWaiters.shift();
    if (waiter) {
      waiter({ text, by });
      return 'queued';
    }
    this.update({ messages: [...this.record.messages, { text, by, at: Date.now() }] });
    if (this.profile.kind !== 'builtin' && this.atPrompt()) {
      this.typeNextMessage();
      return 'typed';
    }
    return 'queued';
  }

  /** A command of this agent is held for a person's approval (null: decided), shown as what it waits on. */
  awaitingApproval(approval: ApprovalInfo | null): void {
    if (this.pendingAsk) return;
    if (!approval) {
      this.update({ question: null });
      this.setStatus('working');
      return;
    }
    const text = `approve \`${approval.command}\`? (${approval.rule}) — flightdeck approve|reject HOST/${approval.id}`;
    this.update({ status: 'waiting-for-human', question: { id: approval.id, kind: 'approval', text, askedAt: approval.requestedAt } });
    this.session.reportStatus('waiting-for-input');
  }

  /** The agent reported (or the screen suggests) a status; a CLI agent back at its prompt gets the next queued message. */
  setStatus(status: Exclude<AgentStatus, 'stopped' | 'exited' | 'interrupted'>, fromScreen = false): void {
    if (fromScreen && this.reported) return;
    if (!fromScreen) {
      this.reported = true;
      if (status !== 'starting') this.session.reportStatus(status === 'waiting-for-human' ? 'waiting-for-input' : status);
    }
    if (this.record.status !== status) this.update({ status });
    if (this.profile.kind !== 'builtin' && this.atPrompt() && this.record.messages.length > 0) this.typeNextMessage();
  }

  hookEvent(params: { agent: 'claude-code' | 'codex'; event: string; payload: Record<string, unknown> }): Promise<HookAnswer> {
    return handleHookEvent(this.hookHost(), params.agent, params.event, params.payload);
  }

  private hookHost(): HookHost {
    return {
      decide: (callId, tool, input, subagent) => this.decide({ callId, tool, input, ...(subagent ? { subagent } : {}) }),
      done: (callId, tool, ok, summary) => this.done({ callId, tool, ok, summary }),
      setStatus: (status, question) => {
        this.setStatus(status);
        // What a CLI shows while it waits (a permission prompt, a question) is for lists only: agent send types, never answers.
        const shown = status === 'waiting-for-human' && question ? { id: `q-${randomBytes(4).toString('hex')}`, kind: 'ask_human' as const, text: question, askedAt: Date.now() } : null;
        if (!this.pendingAsk) this.update({ question: shown });
      },
      hooksVerified: () => {
        if (this.hooksVerified) return;
        this.hooksVerified = true;
        this.deps.audit.append({ actor: 'host', action: 'agent.hooks-verified', target: `agent:${this.name}`, outcome: 'ok', data: {} });
      },
      transcript: (path) => this.readTranscript(path),
    };
  }

  /**
   * A CLI agent's usage, from the transcripts its hooks name — followed only when they lie in the agent's own dir (the
   * agent's process names the path).
   */
  private readTranscript(path: string): void {
    const file = resolve(path);
    const inside = relative(this.agentDir, file);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return;
    this.transcripts.follow(file);
  }

  /** Each file's totals replace what was known of that file; the agent's usage is the sum over its files, priced per file by the model that file used. */
  private countTranscript(file: string, totals: TranscriptUsage): void {
    const transcripts = { ...this.deps.store.transcripts(this.name), [file]: totals };
    this.deps.store.saveTranscripts(this.name, transcripts);
    const files = Object.values(transcripts);
    const usage = files.reduce((sum, { usage: part }) => addUsage(sum, part), ZERO_USAGE);
    const costs = files.map(({ model, usage: part }) => this.deps.prices.cost(model, part));
    const costUsd = costs.every((cost) => cost === null) ? null : costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0);
    this.update({ usage, costUsd, model: totals.model ?? this.record.model, turns: files.reduce((sum, part) => sum + part.messages, 0) });
  }

  /** The process ended: whatever it waited on is void; its conversation and queued messages stay for a resume. */
  ended(): void {
    this.pendingAsk = undefined;
    this.messageWaiters = [];
    this.endpoint?.close();
    this.update({ status: this.stopping ? 'stopped' : 'exited', question: null });
    // What the CLI wrote to its transcripts after its last hook (a turn's last reply) still counts.
    void this.transcripts.close();
  }

  private atPrompt(): boolean {
    const { status } = this.record;
    // Hook-driven CLIs say idle at their prompt; a permission dialog (waiting-for-human) must not receive a message.
    return status === 'idle' || (this.profile.kind === 'command' && status === 'waiting-for-human');
  }

  private typeNextMessage(): void {
    const [next, ...rest] = this.record.messages;
    if (!next || !this.session.running) return;
    this.update({ messages: rest, status: 'working' });
    this.session.paste(next.text);
    setTimeout(() => {
      if (this.session.running) this.session.write('\r');
    }, ENTER_AFTER_PASTE_MS).unref();
  }
}
