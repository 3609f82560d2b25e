import { z } from 'zod';
import type { PlanVersionInfo } from '../../common/protocol/runs';
import type { AuditReader } from '../audit/auditReader';
import type { RunItem } from './runItems';

/** Longest quote of one piece of evidence: the agent can read the rest in the run's record. */
const MAX_QUOTE = 1500;
/** Audit records of one agent's escalations looked at, at most. */
const MAX_AUDIT_RECORDS = 1000;

/** An agent's own `escalate` and the answer it got (from the audit). */
export interface AgentEscalation {
  agent: string;
  problem: string;
  answer: string | null;
  by: string | null;
}

export interface EvidenceSources {
  plans: readonly PlanVersionInfo[];
  items: readonly RunItem[];
  agentEscalations: readonly AgentEscalation[];
  /** What else the run taught (review comments on its pull request), each a paragraph. */
  extra: readonly string[];
}

function quote(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > MAX_QUOTE ? `${trimmed.slice(0, MAX_QUOTE)}…` : trimmed;
}

function where(item: RunItem): string {
  if (item.step) return `step ${item.step}`;
  if (item.phase) return `phase ${item.phase}`;
  return 'the whole run';
}

function escalationEvidence(item: RunItem): string {
  const context = typeof item.detail.context === 'string' && item.detail.context.trim() ? `\nContext: ${quote(item.detail.context)}` : '';
  const outcome =
    item.status === 'answered' ? `Resolved by ${item.decidedBy}: ${quote(item.decision ?? '')}` : item.status === 'dropped' ? 'Dropped (the run was cancelled).' : 'Never resolved.';
  return `Escalation ${item.id} of ${where(item)} (${item.origin}): ${quote(item.summary)}${context}\n${outcome}`;
}

/**
 * What a person had to correct or decide in a run, one paragraph each, oldest first: plan versions sent back,
 * checkpoints rejected with feedback, escalations (the coordinator's and the agents' own) and how they were resolved,
 * and whatever else the caller knows (review comments). Empty: the run taught nothing a retrospective could use.
 */
export function runEvidence(sources: EvidenceSources): string[] {
  const plans = sources.plans
    .filter((plan) => plan.status === 'changes-requested' && plan.feedback?.trim())
    .map((plan) => `Plan v${plan.version} ("${plan.plan.title}") was sent back by ${plan.decidedBy}: ${quote(plan.feedback!)}`);
  const items = sources.items.flatMap((item) => {
    if (item.kind === 'escalation') return [escalationEvidence(item)];
    if (item.status !== 'rejected' || !item.decision?.trim()) return [];
    return [`Checkpoint ${item.id} of ${where(item)} ("${quote(item.summary)}") was rejected by ${item.decidedBy}: ${quote(item.decision)}`];
  });
  const escalations = sources.agentEscalations.map(
    (escalation) =>
      `Agent ${escalation.agent} escalated: ${quote(escalation.problem)}\n${escalation.answer === null ? 'Never answered.' : `Answered by ${escalation.by}: ${quote(escalation.answer)}`}`,
  );
  return [...plans, ...items, ...escalations, ...sources.extra.filter((text) => text.trim()).map(quote)];
}

const EscalateData = z.object({ id: z.string(), input: z.object({ problem: z.string() }) });
const AnswerData = z.object({ id: z.string(), answer: z.string() });

/** The `escalate` calls of these agents and the answers people gave, from the audit (agent.escalate, agent.answer). */
export function agentEscalations(audit: Pick<AuditReader, 'list'>, agents: readonly string[]): AgentEscalation[] {
  return agents.flatMap((agent) => {
    const asked = audit.list({ agent, action: 'agent.escalate', limit: MAX_AUDIT_RECORDS }).records;
    if (asked.length === 0) return [];
    const answers = new Map(
      audit
        .list({ agent, action: 'agent.answer', limit: MAX_AUDIT_RECORDS })
        .records.flatMap((record) => {
          const data = AnswerData.safeParse(record.data);
          return data.success ? [[data.data.id, { answer: data.data.answer, by: record.actor }] as const] : [];
        }),
    );
    return asked.flatMap((record) => {
      const data = EscalateData.safeParse(record.data);
      if (!data.success) return [];
      const answer = answers.get(data.data.id);
      return [{ agent, problem: data.data.input.problem, answer: answer?.answer ?? null, by: answer?.by ?? null }];
    });
  });
}
