import type { SessionStatus } from '../../../common/protocol/session';

const LABELS: Record<SessionStatus, string> = {
  starting: 'starting',
  working: 'working',
  'waiting-for-input': 'waiting on you',
  idle: 'idle',
  exited: 'exited',
  interrupted: 'interrupted',
};

export function StatusBadge({ status }: { status: SessionStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {LABELS[status]}
    </span>
  );
}
