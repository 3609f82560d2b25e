import { describe, expect, it } from 'vitest';
import type { HostView } from '../../../common/app/hosts';
import { ZERO_USAGE, type AgentInfo } from '../../../common/protocol/agents';
import type { SessionInfo } from '../../../common/protocol/session';
import { agentRunning, agentsOf, formatCost, formatTokens, plainSessions } from './agents';

describe('agent helpers', () => {
  it('formats tokens like the CLI: compact, cache only when there is some', () => {
    expect(formatTokens(ZERO_USAGE)).toBe('0 in / 0 out');
    expect(formatTokens({ inputTokens: 9_999, outputTokens: 12_400, cacheReadTokens: 2_000_000, cacheWriteTokens: 500_000 })).toBe(
      '9999 in / 12k out / 2.5M cache',
    );
  });

  it('formats cost with cents past a dollar, and a dash when the host has no price', () => {
    expect(formatCost(null)).toBe('–');
    expect(formatCost(0.01234)).toBe('$0.0123');
    expect(formatCost(3.456)).toBe('$3.46');
  });

  it('tells running agents (stoppable) from ended ones (resumable, removable)', () => {
    expect(['starting', 'working', 'waiting-for-human', 'idle'].every((status) => agentRunning(status as AgentInfo['status']))).toBe(true);
    expect(['stopped', 'exited', 'interrupted'].some((status) => agentRunning(status as AgentInfo['status']))).toBe(false);
  });

  it("shows an agent's current session as the agent only; its older sessions and other sessions stay sessions", () => {
    const session = (id: string) => ({ id, createdAt: 1 }) as SessionInfo;
    const agent = (name: string, sessionId: string | null, createdAt: number) => ({ name, sessionId, createdAt }) as AgentInfo;
    const host = { sessions: [session('old-run'), session('current'), session('bash')], agents: [agent('a', 'current', 1), agent('b', null, 2)] } as HostView;
    expect(plainSessions(host).map((entry) => entry.id)).toEqual(['old-run', 'bash']);
    expect(agentsOf(host).map((entry) => entry.name)).toEqual(['b', 'a']);
    expect(plainSessions({ ...host, agents: undefined }).map((entry) => entry.id)).toEqual(['old-run', 'current', 'bash']);
  });
});
