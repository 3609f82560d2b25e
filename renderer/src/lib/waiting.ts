import { terminalKey } from '../../../common/app/api';
import type { HostView } from '../../../common/app/hosts';
import type { AgentInfo } from '../../../common/protocol/agents';
import type { SessionInfo } from '../../../common/protocol/session';
import { plainSessions } from './agents';

/** Something that needs the human: an agent waiting for an answer, or a bare session waiting for input. */
export type WaitingRef = { host: string; since: number; key: string | null } & (
  | { kind: 'agent'; agent: AgentInfo }
  | { kind: 'session'; session: SessionInfo }
);

/** Everything waiting on the human across the fleet, longest waiting first. An agent's own session counts once, as the agent. */
export function whoIsWaiting(hosts: Record<string, HostView>, order: string[]): WaitingRef[] {
  const refs: WaitingRef[] = [];
  for (const name of order) {
    const host = hosts[name];
    if (!host) continue;
    for (const agent of host.agents ?? []) {
      if (agent.status !== 'waiting-for-human') continue;
      const key = agent.sessionId ? terminalKey(name, agent.sessionId) : null;
      refs.push({ kind: 'agent', host: name, agent, key, since: agent.question?.askedAt ?? agent.updatedAt });
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
