import type { HostView } from '../../../common/app/hosts';
import type { RunEntry } from '../../../common/app/runs';
import { addUsage, ZERO_USAGE, type AgentInfo, type TokenUsage } from '../../../common/protocol/agents';
import type { RunAgentCost } from '../../../common/protocol/runRecord';
import type { RunInfo } from '../../../common/protocol/runs';

/**
 * The fleet's agents as one table: every host's agents (an away host's as last heard), each with the run it works
 * for, sorted and filtered; and what each run cost.
 */

export interface AgentRow {
  host: string;
  /** False: the host is away and the agent is as last heard. */
  connected: boolean;
  agent: AgentInfo;
  /** The run the agent belongs to on its host, if any. */
  run: string | null;
}

export type SortKey = 'host' | 'name' | 'status' | 'run' | 'repo' | 'branch' | 'tokens' | 'cost' | 'turns' | 'updated';
export type SortDirection = 'ascending' | 'descending';
export interface Sort {
  key: SortKey;
  direction: SortDirection;
}

/** Most recently active first: what changed is what the lead looks for. */
export const DEFAULT_SORT: Sort = { key: 'updated', direction: 'descending' };

const NUMERIC: ReadonlySet<SortKey> = new Set(['tokens', 'cost', 'turns', 'updated']);

/** `r-1a2b3c-…`: every agent a run starts is named after it (planner, steps, retrospectives, rework rounds). */
const RUN_PREFIX = /^(r-[0-9a-f]{6,16})-/;

/**
 * The run an agent works for: the run naming it as planner or step agent; else the run its name starts with, when
 * that run is on the same host (retrospective and rework agents are named so but appear in no step); else none.
 */
export function runOfAgent(name: string, runs: readonly RunInfo[]): string | null {
  const declared = runs.find((run) => run.planner === name || run.steps.some((step) => step.agent === name));
  if (declared) return declared.id;
  const prefix = RUN_PREFIX.exec(name)?.[1];
  return prefix !== undefined && runs.some((run) => run.id === prefix) ? prefix : null;
}

function runsOf(entries: readonly RunEntry[] | null, host: string): RunInfo[] {
  return (entries ?? []).filter((entry) => entry.host === host).map((entry) => entry.run);
}

/** Every agent of every host, in fleet order; hosts whose agents are not known (never reached, older agent-host) have none. */
export function agentRows(hosts: Record<string, HostView>, hostOrder: readonly string[], runs: readonly RunEntry[] | null): AgentRow[] {
  return hostOrder.flatMap((name) => {
    const host = hosts[name];
    if (!host?.agents) return [];
    const hostRuns = runsOf(runs, name);
    return host.agents.map((agent) => ({ host: name, connected: host.state === 'connected', agent, run: runOfAgent(agent.name, hostRuns) }));
  });
}

export const totalTokens = (usage: TokenUsage) => usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;

/** The sort value of a row: text compares as text, the rest as numbers (an unpriced agent costs less than any priced one). */
function sortValue(row: AgentRow, key: SortKey): string | number {
  const { agent } = row;
  switch (key) {
    case 'host':
      return row.host;
    case 'name':
      return agent.name;
    case 'status':
      return agent.status;
    case 'run':
      return row.run ?? '';
    case 'repo':
      return agent.repo;
    case 'branch':
      return agent.branch;
    case 'tokens':
      return totalTokens(agent.usage);
    case 'cost':
      return agent.costUsd ?? -1;
    case 'turns':
      return agent.turns;
    case 'updated':
      return agent.updatedAt;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
}

/** Sorted by `sort`; ties by host, then name, so the order never jumps between renders. */
export function sortRows(rows: readonly AgentRow[], sort: Sort): AgentRow[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return [...rows].sort(
    (a, b) => sign * compare(sortValue(a, sort.key), sortValue(b, sort.key)) || compare(a.host, b.host) || compare(a.agent.name, b.agent.name),
  );
}

/** Clicking a header: the same column flips; a new one starts with the largest numbers, or text from A. */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  return { key, direction: NUMERIC.has(key) ? 'descending' : 'ascending' };
}

/** Rows where every word of the query is found in the host, name, status, run, repo, branch, profile or model. */
export function filterRows(rows: readonly AgentRow[], query: string): AgentRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const { agent } = row;
    const text = [row.host, agent.name, agent.status, row.run ?? '', agent.repo, agent.branch, agent.profile, agent.model ?? ''].join(' ').toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

/** The agents a run named (planner, step agents) that its host does not list: removed since, or its agents are not known. */
export function unlistedRunAgents(run: RunInfo, listed: ReadonlySet<string>): string[] {
  const named = [run.planner, ...run.steps.map((step) => step.agent)].filter((name): name is string => name !== null);
  return [...new Set(named)].filter((name) => !listed.has(name));
}

export interface RunTotal {
  host: string;
  run: string;
  /** Agents counted: listed ones, and unlisted ones whose cost the run's record still had. */
  agents: number;
  usage: TokenUsage;
  /** Null when no counted agent has a price. */
  costUsd: number | null;
  /** Counted agents without a price (their tokens count, their cost is unknown). */
  unpriced: number;
  /** Unlisted agents whose cost nothing reports any more (the host drops a removed agent's usage): the total is short of them. */
  uncounted: number;
}

interface Costed {
  usage: TokenUsage;
  costUsd: number | null;
}

function total(host: string, run: string, costed: readonly Costed[], uncounted: number): RunTotal {
  const priced = costed.filter((entry) => entry.costUsd !== null);
  return {
    host,
    run,
    agents: costed.length,
    usage: costed.reduce((sum, entry) => addUsage(sum, entry.usage), ZERO_USAGE),
    costUsd: priced.length === 0 ? null : priced.reduce((sum, entry) => sum + entry.costUsd!, 0),
    unpriced: costed.length - priced.length,
    uncounted,
  };
}

/** `host/run`: the key of a run across the fleet. */
export const runKey = (host: string, run: string) => `${host}/${run}`;

/**
 * What each run with agents cost, most expensive first: its listed agents, plus its unlisted ones from `recorded` (the
 * run's record, keyed by runKey) where that still has them.
 */
export function runTotals(rows: readonly AgentRow[], runs: readonly RunEntry[] | null, recorded: ReadonlyMap<string, readonly RunAgentCost[]>): RunTotal[] {
  const totals: RunTotal[] = [];
  for (const { host, run } of runs ?? []) {
    const listed = rows.filter((row) => row.host === host && row.run === run.id).map((row) => row.agent);
    const unlisted = unlistedRunAgents(run, new Set(rows.filter((row) => row.host === host).map((row) => row.agent.name)));
    const recovered = (recorded.get(runKey(host, run.id)) ?? []).filter((entry) => unlisted.includes(entry.agent));
    if (listed.length + unlisted.length === 0) continue;
    totals.push(total(host, run.id, [...listed, ...recovered], unlisted.length - recovered.length));
  }
  return totals.sort((a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || compare(a.run, b.run));
}
