import { useRef } from 'react';
import type { RunEntry } from '../../../../common/app/runs';
import { client } from '../../client/clientRef';
import { reloadRuns } from '../../client/runsSync';
import { formatAgo, useNow } from '../../lib/age';
import { useViewKeys } from '../../lib/viewKeys';
import { useStore } from '../../store/store';
import { HostProblems } from './HostProblems';
import { RunStateBadge } from './StateBadge';

function stepsDone(entry: RunEntry): string {
  const { steps } = entry.run;
  if (steps.length === 0) return '–';
  return `${steps.filter((step) => step.state === 'done').length}/${steps.length}`;
}

/** Every run of the fleet, newest first; a host that is away shows its runs as last mirrored, marked stale. */
export function RunsView() {
  const { entries, hostErrors, error } = useStore((state) => state.runs);
  const showView = useStore((state) => state.showView);
  const now = useNow();
  const table = useRef<HTMLTableElement>(null);
  useViewKeys((event) => {
    const buttons = [...(table.current?.querySelectorAll<HTMLButtonElement>('.run-open') ?? [])];
    if (buttons.length === 0) return false;
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'j' || event.key === 'ArrowDown') buttons[Math.min(buttons.length - 1, at + 1)]?.focus();
    else if (event.key === 'k' || event.key === 'ArrowUp') buttons[Math.max(0, at - 1)]?.focus();
    else return false;
    return true;
  });
  return (
    <section className="view runs-view" aria-labelledby="runs-title">
      <header className="view-header">
        <h1 id="runs-title">Runs</h1>
        {entries && <span className="view-count">{entries.length}</span>}
        <span className="view-hints muted">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open the graph
        </span>
      </header>
      <HostProblems failures={hostErrors} what="runs" />
      {error && (
        <p className="notice danger" role="alert">
          {error}{' '}
          <button type="button" onClick={() => void reloadRuns(client())}>
            Retry
          </button>
        </p>
      )}
      {entries === null && !error && (
        <div className="skeleton-list" role="status" aria-label="Loading the runs">
          <span />
          <span />
        </div>
      )}
      {entries?.length === 0 && (
        <div className="view-empty">
          <h2>No runs yet</h2>
          <p className="muted">
            Start one with <code>flightdeck run start HOST --runbook NAME --repo REPO</code>; its plan comes to the inbox for review.
          </p>
        </div>
      )}
      {entries && entries.length > 0 && (
        <table className="runs-table" ref={table}>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Runbook</th>
              <th scope="col">Repo</th>
              <th scope="col">State</th>
              <th scope="col">Steps done</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={`${entry.host}/${entry.run.id}`} data-run={entry.run.id} className={entry.stale ? 'is-stale' : undefined}>
                <td>
                  <button type="button" className="run-open link" onClick={() => showView({ kind: 'run', host: entry.host, run: entry.run.id })}>
                    <span className="muted">{entry.host} / </span>
                    {entry.run.id}
                  </button>
                </td>
                <td>
                  {entry.run.runbook.name}
                  <span className="muted">@{entry.run.runbook.version}</span>
                </td>
                <td>{entry.run.repo}</td>
                <td>
                  <RunStateBadge state={entry.run.state} />
                  {entry.stale && (
                    <span className="stale-tag" title={`${entry.host} did not answer: ${entry.stale.error}`}>
                      stale · mirrored {formatAgo(now - entry.stale.mirroredAt)}
                    </span>
                  )}
                </td>
                <td className="numeric">{stepsDone(entry)}</td>
                <td className="numeric">{formatAgo(now - entry.run.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
