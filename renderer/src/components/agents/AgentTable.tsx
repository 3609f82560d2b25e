import type { Ref } from 'react';
import { formatAgo } from '../../lib/age';
import { openAgent } from '../../lib/agentActions';
import { formatCost, formatTokens } from '../../lib/agents';
import { nextSort, type AgentRow, type Sort, type SortKey } from '../../lib/agentTable';
import { useStore } from '../../store/store';
import { StatusBadge } from '../StatusBadge';

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'host', label: 'Host' },
  { key: 'name', label: 'Agent' },
  { key: 'status', label: 'Status' },
  { key: 'run', label: 'Run' },
  { key: 'repo', label: 'Repo' },
  { key: 'branch', label: 'Branch' },
  { key: 'tokens', label: 'Tokens', numeric: true },
  { key: 'cost', label: 'Cost', numeric: true },
  { key: 'turns', label: 'Turns', numeric: true },
  { key: 'updated', label: 'Updated', numeric: true },
];

function SortHeader({ column, sort, onSort }: { column: (typeof COLUMNS)[number]; sort: Sort; onSort(sort: Sort): void }) {
  const sorted = sort.key === column.key ? sort.direction : undefined;
  return (
    <th scope="col" aria-sort={sorted} className={column.numeric ? 'numeric' : undefined} data-column={column.key}>
      <button type="button" className="sort-button" onClick={() => onSort(nextSort(sort, column.key))}>
        {column.label}
        <span className="sort-mark" aria-hidden="true">
          {sorted === 'ascending' ? '▲' : sorted === 'descending' ? '▼' : ''}
        </span>
      </button>
    </th>
  );
}

interface Props {
  rows: readonly AgentRow[];
  sort: Sort;
  onSort(sort: Sort): void;
  now: number;
  ref?: Ref<HTMLTableElement>;
}

/** The fleet's agents, one row each; a row (or its name, from the keyboard) opens the agent's terminal. */
export function AgentTable({ rows, sort, onSort, now, ref }: Props) {
  const showView = useStore((state) => state.showView);
  return (
    <table className="runs-table agents-table" ref={ref}>
      <thead>
        <tr>
          {COLUMNS.map((column) => (
            <SortHeader key={column.key} column={column} sort={sort} onSort={onSort} />
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(({ host, connected, agent, run }) => (
          <tr
            key={`${host}/${agent.name}`}
            data-host={host}
            data-agent={agent.name}
            className={connected ? undefined : 'is-stale'}
            onClick={(event) => {
              // The row is a large target for the mouse; its buttons keep their own meaning.
              if (!(event.target instanceof Element && event.target.closest('button'))) openAgent(host, agent);
            }}
          >
            <td>
              {host}
              {!connected && (
                <span className="stale-tag host-away" title="The host is away: this is the agent as last heard">
                  not connected
                </span>
              )}
            </td>
            <td>
              <button type="button" className="link agent-open" onClick={() => openAgent(host, agent)} title={agent.task}>
                {agent.name}
              </button>
            </td>
            <td>
              <StatusBadge status={agent.status} />
            </td>
            <td>
              {run ? (
                <button type="button" className="link" onClick={() => showView({ kind: 'run', host, run })}>
                  {run}
                </button>
              ) : (
                <span className="muted">–</span>
              )}
            </td>
            <td>{agent.repo}</td>
            <td className="branch-cell" title={agent.branch}>
              {agent.branch}
            </td>
            <td className="numeric" data-cell="tokens">
              {formatTokens(agent.usage)}
            </td>
            <td className="numeric" data-cell="cost" title={agent.costUsd === null ? `No price for ${agent.model ?? 'this agent'} in ${host}'s price table` : undefined}>
              {formatCost(agent.costUsd)}
            </td>
            <td className="numeric">{agent.turns}</td>
            <td className="numeric" title={new Date(agent.updatedAt).toLocaleString()}>
              {formatAgo(now - agent.updatedAt)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
