import { terminalKey } from '../../../common/app/api';
import type { HostView } from '../../../common/app/hosts';
import type { InboxEntry } from '../../../common/app/runs';
import type { AgentInfo } from '../../../common/protocol/agents';
import type { InboxKind } from '../../../common/protocol/runs';
import type { SessionInfo } from '../../../common/protocol/session';
import { plainSessions } from './agents';

/** Something that needs the human: an agent waiting for an answer, or a bare session waiting for input. */
export type WaitingRef = { host: string; since: number; key: string | null } & (
  | { kind: 'agent'; agent: AgentInfo; item: InboxEntry | null }
  | { kind: 'session'; session: SessionInfo }
);

/** What an agent waits on, as the fleet tree says it: "waiting on you: checkpoint". */
export const WAITING_ON: Record<InboxKind, string> = {
  plan: 'plan review',
  checkpoint: 'checkpoint',
  question: 'question',
  escalation: 'escalation',
  approval: 'command approval',
  learnings: 'learnings',
  review: 'PR review',
};

/**
 * The inbox item a waiting agent waits on: the one of its own question, else the newest its run holds it at (its plan
 * under review, its step's checkpoint) — the host lists those with the agent's name but not as the agent's question.
 * Null when it waits on nothing the inbox lists (an agent at its prompt) or the inbox is not loaded.
 */
export function awaitedItem(host: string, agent: AgentInfo, inbox: readonly InboxEntry[] | null): InboxEntry | null {
  if (agent.status !== 'waiting-for-human' || !inbox) return null;
  const question = agent.question;
  const its = inbox.filter((entry) => entry.host === host && (question ? entry.id === question.id : entry.agent === agent.name));
  return its.reduce<InboxEntry | null>((newest, entry) => (!newest || entry.since >= newest.since ? entry : newest), null);
}

/** The one line saying what a waiting agent waits on (the host words its own questions: "checkpoint: …"). */
export function waitingText(agent: AgentInfo, item: InboxEntry | null): string {
  if (agent.question) return agent.question.text;
  return item ? `${WAITING_ON[item.kind]}: ${item.summary}` : 'waiting for input at its prompt';
}

/**
 * Everything waiting on the human across the fleet, longest waiting first. An agent's own session counts once, as the
 * agent, with the inbox item it waits on when the inbox lists one.
 */
export function whoIsWaiting(hosts: Record<string, HostView>, order: string[], inbox: readonly InboxEntry[] | null = null): WaitingRef[] {
  const refs: WaitingRef[] = [];
  for (const name of order) {
    const host = hosts[name];
    if (!host) continue;
    for (const agent of host.agents ?? []) {
      if (agent.status !== 'waiting-for-human') continue;
      const key = agent.sessionId ? terminalKey(name, agent.sessionId) : null;
      refs.push({ kind: 'agent', host: name, agent, key, item: awaitedItem(name, agent, inbox), since: agent.question?.askedAt ?? agent.updatedAt });
    }
    for (const session of plainSessions(host)) {
      if (session.status === 'waiting-for-input') refs.push({ kind: 'session', host: name, session, key: terminalKey(name, session.id), since: session.createdAt });
    }
  }
  return refs.sort((a, b) => a.since - b.since);
}

export function isRunning(session: SessionInfo): boolean {
  return session.status !== 'exited' && session.status !== 'interrupted';
}
