import { Emitter, type ListenerErrorHandler } from '../../common/events';
import { planMarkdown } from '../../common/plan/planMarkdown';
import type { AgentInfo, PendingKind } from '../../common/protocol/agents';
import type { InboxDecision, InboxDetail, InboxEvent, InboxItem, InboxKind } from '../../common/protocol/runs';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AgentManager } from '../agents/agentManager';
import type { Approvals } from '../governance/approvals';
import type { Actor } from '../sessions/sessionManager';
import { parsePlanItemId, type Orchestrator } from './orchestrator';

const KIND_OF: Record<Exclude<PendingKind, 'approval'>, InboxKind> = {
  ask_human: 'question',
  escalate: 'escalation',
  checkpoint: 'checkpoint',
  submit_plan: 'plan',
};

/** What a decision does to an agent's question: the text the agent gets as the answer. */
function answerText(kind: InboxKind, decision: InboxDecision, text: string | undefined): string {
  if (decision === 'answer') {
    if (!text?.trim()) throw new WireError(WireErrorCode.InvalidParams, 'an answer needs its text');
    return text;
  }
  if (kind === 'question' || kind === 'escalation') {
    throw new WireError(WireErrorCode.InvalidParams, `a ${kind} is answered, not ${decision === 'approve' ? 'approved' : 'rejected'}: flightdeck answer HOST/ITEM TEXT`);
  }
  if (decision === 'approve') return `Approved${text?.trim() ? `: ${text}` : '.'}`;
  if (!text?.trim()) throw new WireError(WireErrorCode.InvalidParams, 'a rejection needs feedback: what should change');
  return `Rejected. Rework it and ask again:\n${text}`;
}

/** Something else that waits on a person (a run's learnings to accept, review feedback on its pull request). */
export interface InboxSource {
  items(): InboxItem[];
  /** Undefined when the item is not this source's. */
  show(id: string): InboxDetail | undefined;
  /** Undefined when the item is not this source's; else whether the decision settled it. */
  decide(id: string, decision: InboxDecision, text: string | undefined, by: Actor): Promise<boolean> | undefined;
  /** Fires whenever its items may have changed. */
  changes: { on(listener: () => void): unknown };
}

export interface InboxDeps {
  agents: AgentManager;
  approvals: Approvals;
  orchestrator: Orchestrator;
  onListenerError?: ListenerErrorHandler;
}

/**
 * Everything on this host that waits on a person, in one list: plans under review, agents' checkpoints, questions and
 * escalations, commands held for approval. Each source keeps its own state; this lists, shows and routes decisions,
 * and tells clients which items appeared and went.
 */
export class Inbox {
  readonly events: Emitter<InboxEvent>;
  private known = new Map<string, InboxItem>();
  private readonly sources: InboxSource[] = [];

  constructor(private readonly deps: InboxDeps) {
    this.events = new Emitter({ name: 'inbox events', onListenerError: deps.onListenerError });
    const refresh = () => this.refresh();
    deps.agents.events.on(refresh);
    deps.approvals.events.on(refresh);
    deps.orchestrator.runEvents.on(refresh);
    this.known = new Map(this.list().map((item) => [item.id, item]));
  }

  addSource(source: InboxSource): void {
    this.sources.push(source);
    source.changes.on(() => this.refresh());
    this.refresh();
  }

  /** Oldest first. */
  list(): InboxItem[] {
    const { agents, approvals, orchestrator } = this.deps;
    const questions = agents
      .list()
      .filter((agent): agent is AgentInfo & { question: NonNullable<AgentInfo['question']> } => agent.question !== null && agent.question.kind !== 'approval')
      .map((agent): InboxItem => {
        const question = agent.question;
        const place = orchestrator.runOf(agent.name);
        return {
          id: question.id,
          kind: KIND_OF[question.kind as Exclude<PendingKind, 'approval'>],
          run: place?.run ?? null,
          step: place?.step ?? null,
          agent: agent.name,
          summary: question.text,
          ...(question.options ? { options: question.options } : {}),
          since: question.askedAt,
        };
      });
    const held = approvals
      .list()
      .filter((approval) => approval.status === 'pending')
      .map((approval): InboxItem => {
        const place = orchestrator.runOf(approval.agent);
        return { id: approval.id, kind: 'approval', run: place?.run ?? null, step: place?.step ?? null, agent: approval.agent, summary: approval.command, since: approval.requestedAt };
      });
    const raised = orchestrator.items.open().map(
      (item): InboxItem => ({
        id: item.id,
        kind: item.kind,
        run: item.run,
        step: item.step,
        agent: item.agent,
        summary: item.summary,
        ...(item.options.length > 0 ? { options: item.options } : {}),
        since: item.createdAt,
      }),
    );
    const others = this.sources.flatMap((source) => source.items());
    return [...orchestrator.planItems(), ...raised, ...questions, ...held, ...others].sort((a, b) => a.since - b.since);
  }

  show(id: string): { item: InboxItem; detail: InboxDetail } {
    const item = this.get(id);
    for (const source of this.sources) {
      const detail = source.show(id);
      if (detail) return { item, detail };
    }
    if (item.kind === 'approval') return { item, detail: { kind: 'approval', approval: this.deps.approvals.list().find((approval) => approval.id === id)! } };
    const raised = this.deps.orchestrator.items.find(id);
    if (raised) return { item, detail: { kind: 'question', request: raised.kind === 'checkpoint' ? 'checkpoint' : 'escalate', input: raised.detail } };
    const plan = parsePlanItemId(id);
    if (plan) {
      const { run, plans } = this.deps.orchestrator.show(plan.run);
      const version = plans.find((candidate) => candidate.version === plan.version)!;
      const previous = plans.filter((candidate) => candidate.version < plan.version).at(-1) ?? null;
      const markdown = planMarkdown(version.plan, { version: version.version, status: version.status, author: version.author });
      return { item, detail: { kind: 'plan', run, version, markdown, previous } };
    }
    const agent = this.deps.agents.find(item.agent!)!;
    const input = this.deps.agents.questionInput(agent.name, id) ?? { text: item.summary };
    return { item, detail: { kind: 'question', request: agent.question!.kind, input } };
  }

  /** settled: false when the decision is recorded but the item still waits (protected paths need a second reviewer). */
  async decide(id: string, decision: InboxDecision, text: string | undefined, by: Actor): Promise<{ item: InboxItem; settled: boolean }> {
    const item = this.get(id);
    for (const source of this.sources) {
      const settled = source.decide(id, decision, text, by);
      if (settled) return { item, settled: await settled };
    }
    if (item.kind === 'approval') {
      if (decision === 'answer') throw new WireError(WireErrorCode.InvalidParams, 'an approval is approved or rejected, not answered');
      this.deps.approvals.decide(id, decision === 'approve', by.actor, text ?? null, by.data);
      return { item, settled: true };
    }
    const raised = this.deps.orchestrator.items.find(id);
    if (raised) return { item, settled: await this.deps.orchestrator.coordinator.decide(raised, decision, text, by) };
    const plan = parsePlanItemId(id);
    if (plan) {
      if (decision === 'answer') throw new WireError(WireErrorCode.InvalidParams, 'a plan is approved, or rejected with feedback; edit it with flightdeck plan edit');
      await this.deps.orchestrator.decidePlan(plan.run, plan.version, decision === 'approve', text ?? null, by);
      return { item, settled: true };
    }
    this.deps.agents.send(item.agent!, answerText(item.kind, decision, text), by);
    return { item, settled: true };
  }

  private get(id: string): InboxItem {
    const item = this.list().find((candidate) => candidate.id === id);
    if (item) return item;
    const plan = parsePlanItemId(id);
    const why = plan ? this.deps.orchestrator.planNotPending(plan.run, plan.version) : `nothing waits as ${id} on this host`;
    throw new WireError(WireErrorCode.InboxItemNotFound, why, { item: id });
  }

  private refresh(): void {
    const now = new Map(this.list().map((item) => [item.id, item]));
    for (const [id, item] of this.known) if (!now.has(id)) this.events.emit({ type: 'removed', item });
    for (const [id, item] of now) if (!this.known.has(id)) this.events.emit({ type: 'added', item });
    this.known = now;
  }
}
