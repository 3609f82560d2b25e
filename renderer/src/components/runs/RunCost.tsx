import { createContext, useContext } from 'react';
import { addUsage, ZERO_USAGE, type AgentInfo, type TokenUsage } from '../../../../common/protocol/agents';
import { formatCost, formatTokens } from '../../lib/agents';
import { useStore } from '../../store/store';

/** What an agent used, as the host last said. */
export interface AgentCost {
  usage: TokenUsage;
  /** Null: the host has no price for the agent's model. */
  costUsd: number | null;
}

/**
 * Where a run's costs come from: the host's agents live from the store, and for agents the host no longer lists
 * (removed, or the host is away) what the run's record kept.
 */
export interface CostSource {
  host: string;
  recorded: ReadonlyMap<string, AgentCost>;
}

/** Given by the run view to its graph, so each step node reads its own agent's cost and repaints alone. */
export const CostContext = createContext<CostSource | null>(null);

function liveAgent(agents: AgentInfo[] | undefined, name: string | null): AgentInfo | undefined {
  return name === null ? undefined : agents?.find((agent) => agent.name === name);
}

/** One agent's cost; the selectors return what the host sent as is, so other agents' updates repaint nothing here. */
function useAgentCost(source: CostSource | null, agent: string | null): AgentCost | null {
  const usage = useStore((state) => (source ? liveAgent(state.hosts[source.host]?.agents, agent)?.usage : undefined));
  const costUsd = useStore((state) => (source ? liveAgent(state.hosts[source.host]?.agents, agent)?.costUsd : undefined));
  if (!source || agent === null) return null;
  if (usage) return { usage, costUsd: costUsd ?? null };
  return source.recorded.get(agent) ?? null;
}

function totalTokens(usage: TokenUsage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

function compactTokens(tokens: number): string {
  return tokens >= 10_000 ? `${Math.round(tokens / 1000)}k` : String(tokens);
}

/** A step's agent's cost on its graph node: the price when known, the tokens always (all of them on hover). */
export function StepCost({ agent }: { agent: string | null }) {
  const cost = useAgentCost(useContext(CostContext), agent);
  if (!cost) return null;
  const priced = cost.costUsd === null ? 'no price for its model' : formatCost(cost.costUsd);
  return (
    <span className="step-cost" data-cost={cost.costUsd ?? ''} title={`${agent}: ${formatTokens(cost.usage)} tokens, ${priced}`}>
      {cost.costUsd !== null && `${formatCost(cost.costUsd)} · `}
      {compactTokens(totalTokens(cost.usage))} tok
    </span>
  );
}

/** The run's total over its planner and step agents, for the run view's header. */
export function RunCostTotal({ source, agents }: { source: CostSource; agents: readonly string[] }) {
  const live = useStore((state) => state.hosts[source.host]?.agents);
  const costs = agents.flatMap((name) => {
    const agent = liveAgent(live, name);
    const cost = agent ? { usage: agent.usage, costUsd: agent.costUsd } : source.recorded.get(name);
    return cost ? [cost] : [];
  });
  if (costs.length === 0) return null;
  const usage = costs.reduce((sum, cost) => addUsage(sum, cost.usage), ZERO_USAGE);
  const unpriced = costs.filter((cost) => cost.costUsd === null).length;
  const usd = costs.reduce((sum, cost) => sum + (cost.costUsd ?? 0), 0);
  const missing = agents.length - costs.length;
  const notes = [
    ...(unpriced > 0 ? [`${unpriced} agent${unpriced === 1 ? '' : 's'} on a model the host has no price for`] : []),
    ...(missing > 0 ? [`${missing} agent${missing === 1 ? '' : 's'} the host no longer reports`] : []),
  ];
  return (
    <span className="run-cost" data-testid="run-cost" title={notes.length > 0 ? `Not counted: ${notes.join('; ')}` : undefined}>
      {unpriced > 0 && usd === 0 ? 'no price' : `${unpriced > 0 || missing > 0 ? '≥ ' : ''}${formatCost(usd)}`} · {formatTokens(usage)} tokens
    </span>
  );
}
