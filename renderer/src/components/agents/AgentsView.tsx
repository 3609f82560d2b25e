import '../../library.css';
import { useMemo, useRef, useState } from 'react';
import type { HostView } from '../../../../common/app/hosts';
import { useNow } from '../../lib/age';
import { agentRows, DEFAULT_SORT, filterRows, runTotals, sortRows, unlistedRunAgents, type Sort } from '../../lib/agentTable';
import { useViewKeys } from '../../lib/viewKeys';
import { useStore } from '../../store/store';
import { AgentTable } from './AgentTable';
import { RunTotals } from './RunTotals';
import { useRecordedCosts, type RunRef } from './useRecordedCosts';

// The sort and the filter outlive the view: the lead opens an agent's terminal from here and comes back to the same table.
const remembered: { sort: Sort; filter: string } = { sort: DEFAULT_SORT, filter: '' };

/** Why a host's agents are missing or old: it is away (its agents shown as last heard), or its agents are not known. */
function HostNotices({ hosts }: { hosts: readonly HostView[] }) {
  const notices = hosts.flatMap((host) => {
    const away = host.state !== 'connected';
    const state = host.state === 'disconnected' ? 'not connected' : host.state;
    if (host.agents && away) {
      return [[host.name, `${host.name} is ${state}: its ${host.agents.length} agent${host.agents.length === 1 ? '' : 's'} as last heard (see Updated).`]];
    }
    if (!host.agents && away) return [[host.name, `${host.name} is ${state} and was not reached in this window: its agents are not known.`]];
    if (!host.agents) return [[host.name, `${host.name} runs an agent-host without agents: upgrade it (flightdeck host upgrade ${host.name}).`]];
    return [];
  });
  if (notices.length === 0) return null;
  return (
    <ul className="host-problems" aria-label="Hosts whose agents are not current">
      {notices.map(([host, text]) => (
        <li key={host} className="notice warn" data-host-problem={host}>
          {text}
        </li>
      ))}
    </ul>
  );
}

/** Every agent of the fleet in one sortable, filterable table, and what each run cost. */
export function AgentsView() {
  const hosts = useStore((state) => state.hosts);
  const hostOrder = useStore((state) => state.hostOrder);
  const fleetLoaded = useStore((state) => state.fleetLoaded);
  const fleetError = useStore((state) => state.fleetError);
  const runs = useStore((state) => state.runs.entries);
  const openDialog = useStore((state) => state.openDialog);
  const [sort, setSortState] = useState(remembered.sort);
  const [filter, setFilterState] = useState(remembered.filter);
  const setSort = (next: Sort) => setSortState((remembered.sort = next));
  const setFilter = (next: string) => setFilterState((remembered.filter = next));
  const now = useNow();
  const table = useRef<HTMLTableElement>(null);
  const filterInput = useRef<HTMLInputElement>(null);

  const rows = useMemo(() => agentRows(hosts, hostOrder, runs), [hosts, hostOrder, runs]);
  const shown = useMemo(() => sortRows(filterRows(rows, filter), sort), [rows, filter, sort]);
  // Runs of away hosts whose agents are not all listed: their record in the app's cache may still count them.
  const recordable = useMemo<RunRef[]>(() => {
    const listed = new Map<string, Set<string>>();
    for (const row of rows) listed.set(row.host, (listed.get(row.host) ?? new Set()).add(row.agent.name));
    return (runs ?? [])
      .filter((entry) => hosts[entry.host]?.state !== 'connected' && unlistedRunAgents(entry.run, listed.get(entry.host) ?? new Set()).length > 0)
      .map((entry) => ({ host: entry.host, run: entry.run.id }));
  }, [rows, runs, hosts]);
  const recorded = useRecordedCosts(recordable);
  const totals = useMemo(() => runTotals(rows, runs, recorded), [rows, runs, recorded]);

  useViewKeys((event) => {
    if (event.key === '/') {
      filterInput.current?.focus();
      return true;
    }
    const buttons = [...(table.current?.querySelectorAll<HTMLButtonElement>('.agent-open') ?? [])];
    if (buttons.length === 0) return false;
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'j' || event.key === 'ArrowDown') buttons[Math.min(buttons.length - 1, at + 1)]?.focus();
    else if (event.key === 'k' || event.key === 'ArrowUp') buttons[Math.max(0, at - 1)]?.focus();
    else return false;
    return true;
  });

  const launch = () => openDialog({ kind: 'start-agent', host: null });
  return (
    <section className="view agents-view" aria-labelledby="agents-title">
      <header className="view-header">
        <h1 id="agents-title">Agents</h1>
        {fleetLoaded && <span className="view-count">{filter ? `${shown.length} of ${rows.length}` : rows.length}</span>}
        <span className="view-hints muted">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open the terminal · <kbd>/</kbd> filter
        </span>
        <button type="button" className="primary" onClick={launch} title="Start an agent (Ctrl+Shift+A)">
          Launch agent…
        </button>
      </header>
      {fleetError && (
        <p className="notice danger" role="alert">
          Could not load the fleet: {fleetError}
        </p>
      )}
      <HostNotices hosts={hostOrder.flatMap((name) => hosts[name] ?? [])} />
      {!fleetLoaded && (
        <div className="skeleton-list" role="status" aria-label="Loading the agents">
          <span />
          <span />
        </div>
      )}
      {fleetLoaded && rows.length === 0 && (
        <div className="view-empty">
          <h2>No agents yet</h2>
          <p className="muted">
            {hostOrder.length === 0
              ? 'Add a host first (Ctrl+Shift+H): agents run on the hosts.'
              : 'Launch one with a task, or start a run from a runbook: its planner and step agents show here.'}
          </p>
          {hostOrder.length > 0 && (
            <button type="button" className="primary" onClick={launch}>
              Launch agent…
            </button>
          )}
        </div>
      )}
      {rows.length > 0 && (
        <>
          <div className="agents-toolbar">
            <label className="agents-filter">
              <span>Filter</span>
              <input
                ref={filterInput}
                type="search"
                name="filter"
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Escape' && filter) {
                    event.stopPropagation();
                    setFilter('');
                  }
                }}
                placeholder="host, name, status, run, repo, branch, profile…"
              />
            </label>
          </div>
          <AgentTable ref={table} rows={shown} sort={sort} onSort={setSort} now={now} />
          {shown.length === 0 && <p className="muted">No agent matches “{filter}”.</p>}
          <RunTotals totals={totals} rows={rows} />
        </>
      )}
    </section>
  );
}
