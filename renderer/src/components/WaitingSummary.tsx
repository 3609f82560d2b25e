import { useMemo } from 'react';
import { runCommand } from '../lib/commands';
import { shortcutLabel } from '../lib/shortcuts';
import { waitingSessions } from '../lib/waiting';
import { useStore } from '../store/store';

/** The tech lead's first question: who is waiting on me, and which hosts are down. */
export function WaitingSummary() {
  const hosts = useStore((state) => state.hosts);
  const order = useStore((state) => state.hostOrder);
  const waiting = useMemo(() => waitingSessions(hosts, order).length, [hosts, order]);
  const down = order.filter((name) => {
    const state = hosts[name]?.state;
    return state === 'reconnecting' || state === 'failed';
  }).length;
  return (
    <div className="summary">
      <button
        type="button"
        className={`summary-item${waiting ? ' attention' : ''}`}
        onClick={() => runCommand('next-waiting')}
        title={`Jump to the next session waiting on you (${shortcutLabel('next-waiting')})`}
      >
        <strong data-testid="waiting-count">{waiting}</strong> waiting on you
      </button>
      <span className={`summary-item${down ? ' alarm' : ''}`}>
        <strong>{down}</strong> {down === 1 ? 'host' : 'hosts'} down
      </span>
    </div>
  );
}
