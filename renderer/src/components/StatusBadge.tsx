import type { AgentStatus } from '../../../common/protocol/agents';
import type { SessionStatus } from '../../../common/protocol/session';

const LABELS: Record<SessionStatus | AgentStatus, string> = {
  starting: 'starting',
  working: 'working',
  'waiting-for-input': 'waiting on you',
  'waiting-for-human': 'waiting on you',
  idle: 'idle',
  stopped: 'stopped',
  exited: 'exited',
  interrupted: 'interrupted',
};

/**
 * A session's or an agent's status; both kinds of waiting read the same to the human. An agent waiting on something
 * the inbox lists says what instead ("checkpoint", in the waiting colour): the fleet tree has no room for both.
 */
export function StatusBadge({ status, waitingOn }: { status: SessionStatus | AgentStatus; waitingOn?: string }) {
  const what = status === 'waiting-for-human' ? waitingOn : undefined;
  return (
    <span className={`badge badge-${status}`} data-status={status} title={what && `${LABELS[status]}: ${what}`}>
      {what ?? LABELS[status]}
    </span>
  );
}
