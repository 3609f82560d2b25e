import './inboxItems.css';
import { useEffect, useRef } from 'react';
import type { InboxEntry } from '../../../../common/app/runs';
import { client } from '../../client/clientRef';
import { reloadRuns } from '../../client/runsSync';
import { formatAge, useNow } from '../../lib/age';
import { decideItem, isApprovable, KIND_LABELS, openItem } from '../../lib/inboxActions';
import { useViewKeys } from '../../lib/viewKeys';
import { useStore } from '../../store/store';
import { itemKey } from '../../store/viewSlice';
import { HostProblems } from './HostProblems';
import { NotificationControl } from './NotificationControl';

const rowId = (entry: InboxEntry) => `inbox-${entry.host}-${entry.id}`;

function Row({ entry, selected, now }: { entry: InboxEntry; selected: boolean; now: number }) {
  return (
    <li
      id={rowId(entry)}
      role="option"
      aria-selected={selected}
      className={`inbox-row${selected ? ' is-selected' : ''}`}
      data-item={entry.id}
      data-kind={entry.kind}
      onClick={() => openItem(entry.host, entry.id)}
    >
      <span className={`kind kind-${entry.kind}`}>{KIND_LABELS[entry.kind]}</span>
      <span className="inbox-summary">{entry.summary}</span>
      <span className="inbox-waited" title={new Date(entry.since).toLocaleString()}>
        {formatAge(now - entry.since)}
      </span>
      <span className="inbox-where">
        {entry.host}
        {entry.run && <> · {entry.run}</>}
        {entry.step && <> · step {entry.step}</>}
        {entry.agent && <> · {entry.agent}</>}
      </span>
    </li>
  );
}

/** Everything waiting on the human across the fleet, oldest first, run from the keyboard. */
export function InboxView() {
  const { entries, hostErrors, error } = useStore((state) => state.inbox);
  const cursor = useStore((state) => state.inboxCursor);
  const setCursor = useStore((state) => state.setInboxCursor);
  const now = useNow();
  const list = useRef<HTMLUListElement>(null);
  // Where the cursor was: when its item goes (decided), the cursor stays at that place, on the next one.
  const lastIndex = useRef(0);
  const items = entries ?? [];
  const found = items.findIndex((entry) => itemKey(entry.host, entry.id) === cursor);
  const index = items.length === 0 ? -1 : found >= 0 ? found : Math.min(lastIndex.current, items.length - 1);
  const selected = index >= 0 ? items[index] : undefined;
  lastIndex.current = Math.max(0, index);

  useEffect(() => {
    list.current?.focus({ preventScroll: true });
  }, [items.length > 0]);
  useEffect(() => {
    if (selected) document.getElementById(rowId(selected))?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const move = (by: number) => {
    const next = items[Math.max(0, Math.min(items.length - 1, index + by))];
    if (next) setCursor(itemKey(next.host, next.id));
  };
  useViewKeys((event) => {
    if (event.key === 'j' || event.key === 'ArrowDown') move(1);
    else if (event.key === 'k' || event.key === 'ArrowUp') move(-1);
    else if (!selected) return false;
    else if (event.key === 'Enter' || event.key === 'o') openItem(selected.host, selected.id);
    else if (event.key === 'a' && isApprovable(selected.kind)) void decideItem(selected.host, selected.id, 'approve');
    else if (event.key === 'r') openItem(selected.host, selected.id, isApprovable(selected.kind));
    else return false;
    return true;
  });

  return (
    <section className="view inbox-view" aria-labelledby="inbox-title">
      <header className="view-header">
        <h1 id="inbox-title">Inbox</h1>
        {entries && <span className="view-count">{entries.length} waiting</span>}
        <span className="view-hints muted">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>a</kbd> approve · <kbd>r</kbd> reject or reply
        </span>
        <NotificationControl />
      </header>
      <HostProblems failures={hostErrors} what="items" />
      {error && (
        <p className="notice danger" role="alert">
          {error}{' '}
          <button type="button" onClick={() => void reloadRuns(client())}>
            Retry
          </button>
        </p>
      )}
      {entries === null && !error && (
        <div className="skeleton-list" role="status" aria-label="Loading the inbox">
          <span />
          <span />
          <span />
        </div>
      )}
      {entries?.length === 0 &&
        (hostErrors.length === 0 ? (
          <div className="view-empty">
            <p className="view-empty-mark" aria-hidden="true">
              ✓
            </p>
            <h2>Nothing waits on you</h2>
            <p className="muted">
              Plans, checkpoints, questions, escalations, held commands, proposed learnings and pull request reviews from every host land
              here, oldest first.
            </p>
          </div>
        ) : (
          <div className="view-empty">
            <h2>Nothing from the hosts that answered</h2>
            <p className="muted">What waits on the hosts above shows here once they are back.</p>
          </div>
        ))}
      {items.length > 0 && (
        <ul
          ref={list}
          className="inbox-list"
          role="listbox"
          tabIndex={0}
          aria-label="Items waiting on you, oldest first"
          aria-activedescendant={selected ? rowId(selected) : undefined}
        >
          {items.map((entry) => (
            <Row key={itemKey(entry.host, entry.id)} entry={entry} selected={entry === selected} now={now} />
          ))}
        </ul>
      )}
    </section>
  );
}
