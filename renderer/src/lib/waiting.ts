import type { HostView } from '../../../common/app/hosts';
import type { SessionInfo } from '../../../common/protocol/session';

export interface SessionRef {
  host: string;
  session: SessionInfo;
}

/** Sessions that need the human, across the fleet, oldest first. */
export function waitingSessions(hosts: Record<string, HostView>, order: string[]): SessionRef[] {
  const refs: SessionRef[] = [];
  for (const name of order) {
    for (const session of hosts[name]?.sessions ?? []) {
      if (session.status === 'waiting-for-input') refs.push({ host: name, session });
    }
  }
  return refs.sort((a, b) => a.session.createdAt - b.session.createdAt);
}

export function isRunning(session: SessionInfo): boolean {
  return session.status !== 'exited' && session.status !== 'interrupted';
}
