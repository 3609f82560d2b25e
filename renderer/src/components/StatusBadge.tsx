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

/** A session's or an agent's status; both kinds of waiting read the same to the human. */
export function StatusBadge({ status }: { status: SessionStatus | AgentStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {LABELS[status]}
    </span>
  );
}
