import { addUsage, ZERO_USAGE } from '../../../../common/protocol/agents';
import { formatCost, formatTokens } from '../../lib/agents';
import type { AgentRow, RunTotal } from '../../lib/agentTable';
import { useStore } from '../../store/store';

function costText(total: { costUsd: number | null; unpriced: number }): string {
  return `${formatCost(total.costUsd)}${total.unpriced > 0 && total.costUsd !== null ? ' +' : ''}`;
}

/**
 * What each run cost so far (its agents' tokens and the hosts' prices), most expensive first, and every listed
 * agent's together. A "+" marks a total with unpriced agents in it.
 */
export function RunTotals({ totals, rows }: { totals: readonly RunTotal[]; rows: readonly AgentRow[] }) {
  const showView = useStore((state) => state.showView);
  if (totals.length === 0 && rows.length === 0) return null;
  const priced = rows.filter((row) => row.agent.costUsd !== null);
  const fleet = {
    usage: rows.reduce((sum, row) => addUsage(sum, row.agent.usage), ZERO_USAGE),
    costUsd: priced.length === 0 ? null : priced.reduce((sum, row) => sum + row.agent.costUsd!, 0),
    unpriced: rows.length - priced.length,
  };
  const short = totals.filter((total) => total.uncounted > 0);
  return (
    <section className="totals-section" aria-labelledby="totals-title">
      <h2 id="totals-title">Cost by run</h2>
      <table className="runs-table totals-table">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Host</th>
            <th scope="col" className="numeric">
              Agents
            </th>
            <th scope="col" className="numeric">
              Tokens
            </th>
            <th scope="col" className="numeric">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {totals.map((total) => (
            <tr key={`${total.host}/${total.run}`} data-run={total.run} data-host={total.host}>
              <th scope="row">
                <button type="button" className="link" onClick={() => showView({ kind: 'run', host: total.host, run: total.run })}>
                  {total.run}
                </button>
              </th>
              <td>{total.host}</td>
              <td className="numeric">
                {total.agents}
                {total.uncounted > 0 && <span className="muted"> (+{total.uncounted} not counted)</span>}
              </td>
              <td className="numeric">{formatTokens(total.usage)}</td>
              <td className="numeric" data-cell="cost">
                {costText(total)}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>
              All listed agents
            </th>
            <td className="numeric">{rows.length}</td>
            <td className="numeric">{formatTokens(fleet.usage)}</td>
            <td className="numeric" data-cell="cost">
              {costText(fleet)}
            </td>
          </tr>
        </tfoot>
      </table>
      {short.length > 0 && (
        <p className="totals-note muted">
          Not counted: agents a run started that its host no longer lists ({short.map((total) => `${total.run}: ${total.uncounted}`).join(', ')}). A host
          reports no usage for the agents it removed.
        </p>
      )}
      {(fleet.unpriced > 0 || totals.some((total) => total.unpriced > 0)) && (
        <p className="totals-note muted">+ : some agents have no price in their host's price table (prices.yaml); their tokens count, their cost does not.</p>
      )}
    </section>
  );
}
