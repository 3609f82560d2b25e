import type { HostView } from '../../../common/app/hosts';
import type { AgentInfo, AgentStatus, TokenUsage } from '../../../common/protocol/agents';
import type { SessionInfo } from '../../../common/protocol/session';

/** The agent's process runs: it can be stopped, not resumed or removed. */
export function agentRunning(status: AgentStatus): boolean {
  return status === 'starting' || status === 'working' || status === 'waiting-for-human' || status === 'idle';
}

/** "12k in / 3.4k out / 80k cache": the same shape as `flightdeck agent list`. */
export function formatTokens(usage: TokenUsage): string {
  const cached = usage.cacheReadTokens + usage.cacheWriteTokens;
  return `${compact(usage.inputTokens)} in / ${compact(usage.outputTokens)} out${cached > 0 ? ` / ${compact(cached)} cache` : ''}`;
}

/** Null: the host's price table has no price for the model (or the agent is not a model at all). */
export function formatCost(costUsd: number | null): string {
  return costUsd === null ? '–' : `$${costUsd.toFixed(costUsd < 1 ? 4 : 2)}`;
}

function compact(tokens: number): string {
  if (tokens >= 1_000_000) return `${(tokens / 1_000_000).toFixed(1)}M`;
  if (tokens >= 10_000) return `${Math.round(tokens / 1000)}k`;
  return String(tokens);
}

/** The host's agents, newest first, as the fleet tree lists them. */
export function agentsOf(host: HostView): AgentInfo[] {
  return [...(host.agents ?? [])].sort((a, b) => b.createdAt - a.createdAt);
}

/** Sessions an agent runs in right now are shown as that agent, not a second time as a bare session. */
export function plainSessions(host: HostView): SessionInfo[] {
  const ofAgents = new Set((host.agents ?? []).map((agent) => agent.sessionId));
  return host.sessions.filter((session) => !ofAgents.has(session.id));
}
