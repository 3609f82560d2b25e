import { useMemo } from 'react';
import { openWaiting, runCommand } from '../lib/commands';
import { shortcutLabel } from '../lib/shortcuts';
import { waitingText, whoIsWaiting, type WaitingRef } from '../lib/waiting';
import { useStore } from '../store/store';

/** How many waiting items the sidebar lists by name; the count covers all of them. */
const LISTED = 5;

function WaitingItem({ item }: { item: WaitingRef }) {
  const name = item.kind === 'agent' ? item.agent.name : item.session.name || item.session.command;
  const what = item.kind === 'agent' ? waitingText(item.agent, item.item) : 'waiting for input';
  return (
    <li>
      <button type="button" className="waiting-item" onClick={() => openWaiting(item)} title={what}>
        <span className="waiting-who">
          <span className="muted">{item.host} / </span>
          {name}
        </span>
        <span className="waiting-what">{what}</span>
      </button>
    </li>
  );
}

/** The tech lead's first question: who is waiting on me (and on what), and which hosts are down. */
export function WaitingSummary() {
  const hosts = useStore((state) => state.hosts);
  const order = useStore((state) => state.hostOrder);
  const inbox = useStore((state) => state.inbox.entries);
  const waiting = useMemo(() => whoIsWaiting(hosts, order, inbox), [hosts, order, inbox]);
  const down = order.filter((name) => {
    const state = hosts[name]?.state;
    return state === 'reconnecting' || state === 'failed';
  }).length;
  return (
    <>
      <div className="summary">
        <button
          type="button"
          className={`summary-item${waiting.length ? ' attention' : ''}`}
          onClick={() => runCommand('next-waiting')}
          title={`Jump to the next agent or session waiting on you (${shortcutLabel('next-waiting')})`}
        >
          <strong data-testid="waiting-count">{waiting.length}</strong> waiting on you
        </button>
        <span className={`summary-item${down ? ' alarm' : ''}`}>
          <strong>{down}</strong> {down === 1 ? 'host' : 'hosts'} down
        </span>
      </div>
      {waiting.length > 0 && (
        <ul className="waiting-list" aria-label="Waiting on you">
          {waiting.slice(0, LISTED).map((item) => (
            <WaitingItem key={`${item.host}/${item.kind}/${item.kind === 'agent' ? item.agent.name : item.session.id}`} item={item} />
          ))}
          {waiting.length > LISTED && <li className="muted waiting-more">and {waiting.length - LISTED} more</li>}
        </ul>
      )}
    </>
  );
}
