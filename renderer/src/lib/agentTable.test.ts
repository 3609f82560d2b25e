import { describe, expect, it } from 'vitest';
import type { HostView } from '../../../common/app/hosts';
import type { RunEntry } from '../../../common/app/runs';
import { ZERO_USAGE, type AgentInfo } from '../../../common/protocol/agents';
import type { RunInfo, StepInfo } from '../../../common/protocol/runs';
import { agentRows, DEFAULT_SORT, filterRows, nextSort, runKey, runOfAgent, runTotals, sortRows, unlistedRunAgents } from './agentTable';

function agent(name: string, extra: Partial<AgentInfo> = {}): AgentInfo {
  return {
    name,
    profile: 'builtin',
    kind: 'builtin',
    repo: 'app',
    branch: `flightdeck/${name}`,
    baseCommit: 'abc',
    worktree: `/w/${name}`,
    task: 'do it',
    model: 'claude-sonnet-4-5',
    sessionId: null,
    status: 'idle',
    question: null,
    queuedMessages: 0,
    usage: ZERO_USAGE,
    costUsd: null,
    turns: 0,
    confinement: null,
    createdAt: 1,
    updatedAt: 1,
    ...extra,
  };
}

const step = (id: string, agentName: string | null): StepInfo => ({
  id,
  phase: 'p1',
  title: id,
  role: 'implementer',
  dependsOn: [],
  checkpoint: false,
  state: 'running',
  agent: agentName,
  branch: null,
});

function run(id: string, planner: string | null, steps: StepInfo[] = []): RunInfo {
  return {
    id,
    runbook: { name: 'add-feature', version: '1.0.0', hash: 'a'.repeat(64), source: 'built-in', file: 'runbooks/add-feature.md' },
    repo: 'app',
    params: {},
    state: 'running',
    reason: null,
    baseCommit: 'abc',
    integrationBranch: `flightdeck/run/${id}`,
    planner,
    planVersion: 1,
    approvedVersion: 1,
    steps,
    pullRequest: null,
    startedBy: 'lead',
    createdAt: 1,
    updatedAt: 1,
  };
}

function host(name: string, agents: AgentInfo[] | undefined, state: HostView['state'] = 'connected'): HostView {
  return { name, kind: 'ssh', target: name, state, error: null, retryAt: null, attempt: 0, hostVersion: '1', latencyMs: 1, auditAlarm: null, sessions: [], agents };
}

const usage = (inputTokens: number, outputTokens: number) => ({ ...ZERO_USAGE, inputTokens, outputTokens });

describe('the fleet agents table', () => {
  const r1 = run('r-aaaaaa', 'r-aaaaaa-planner', [step('flag', 'r-aaaaaa-flag'), step('docs', null)]);
  const r2 = run('r-bbbbbb', 'r-bbbbbb-planner');
  const runs: RunEntry[] = [
    { host: 'vm', run: r1, stale: null },
    { host: 'lab', run: r2, stale: null },
  ];

  it("finds an agent's run by the run's planner and steps, else by its name's run prefix on the same host", () => {
    expect(runOfAgent('r-aaaaaa-planner', [r1])).toBe('r-aaaaaa');
    expect(runOfAgent('r-aaaaaa-flag', [r1])).toBe('r-aaaaaa');
    expect(runOfAgent('r-aaaaaa-retro-2', [r1])).toBe('r-aaaaaa');
    expect(runOfAgent('r-aaaaaa-rework-1', [r2])).toBeNull();
    expect(runOfAgent('builtin-1a2b', [r1])).toBeNull();
  });

  it("lists every host's agents, marking an away host's as last heard; a host whose agents are unknown has none", () => {
    const hosts = {
      vm: host('vm', [agent('r-aaaaaa-planner'), agent('builtin-x1')]),
      lab: host('lab', [agent('r-bbbbbb-planner')], 'reconnecting'),
      old: host('old', undefined),
    };
    const rows = agentRows(hosts, ['vm', 'lab', 'old'], runs);
    expect(rows.map((row) => [row.host, row.agent.name, row.run, row.connected])).toEqual([
      ['vm', 'r-aaaaaa-planner', 'r-aaaaaa', true],
      ['vm', 'builtin-x1', null, true],
      ['lab', 'r-bbbbbb-planner', 'r-bbbbbb', false],
    ]);
  });

  it('sorts by any column both ways, unpriced below any cost, ties by host and name', () => {
    const hosts = {
      vm: host('vm', [
        agent('cheap', { costUsd: 0.01, usage: usage(100, 10), turns: 2, updatedAt: 30 }),
        agent('dear', { costUsd: 2.5, usage: usage(90_000, 4000), turns: 9, updatedAt: 10 }),
        agent('free', { costUsd: null, usage: usage(5, 5), turns: 1, updatedAt: 20 }),
      ]),
    };
    const rows = agentRows(hosts, ['vm'], null);
    const names = (sort: Parameters<typeof sortRows>[1]) => sortRows(rows, sort).map((row) => row.agent.name);
    expect(names(DEFAULT_SORT)).toEqual(['cheap', 'free', 'dear']);
    const byCost = nextSort(DEFAULT_SORT, 'cost');
    expect(byCost).toEqual({ key: 'cost', direction: 'descending' });
    expect(names(byCost)).toEqual(['dear', 'cheap', 'free']);
    expect(names(nextSort(byCost, 'cost'))).toEqual(['free', 'cheap', 'dear']);
    expect(nextSort(byCost, 'name')).toEqual({ key: 'name', direction: 'ascending' });
    expect(names({ key: 'tokens', direction: 'descending' })).toEqual(['dear', 'cheap', 'free']);
    expect(names({ key: 'status', direction: 'ascending' })).toEqual(['cheap', 'dear', 'free']);
  });

  it('filters by every word of the query across host, name, status, run, repo, branch, profile and model', () => {
    const hosts = { vm: host('vm', [agent('r-aaaaaa-planner', { status: 'working' }), agent('builtin-x1', { repo: 'web' })]) };
    const rows = agentRows(hosts, ['vm'], runs);
    expect(filterRows(rows, '  ').length).toBe(2);
    expect(filterRows(rows, 'R-AAAAAA working').map((row) => row.agent.name)).toEqual(['r-aaaaaa-planner']);
    expect(filterRows(rows, 'vm web').map((row) => row.agent.name)).toEqual(['builtin-x1']);
    expect(filterRows(rows, 'sonnet nothing-like-this')).toEqual([]);
  });

  it("totals each run's agents, with unlisted ones from its record where it still has them", () => {
    const hosts = {
      vm: host('vm', [
        agent('r-aaaaaa-planner', { costUsd: 0.5, usage: usage(1000, 100) }),
        agent('r-aaaaaa-retro', { costUsd: null, usage: usage(10, 1), model: 'local' }),
        agent('builtin-x1', { costUsd: 9 }),
      ]),
      lab: host('lab', []),
    };
    const rows = agentRows(hosts, ['vm', 'lab'], runs);
    expect(unlistedRunAgents(r1, new Set(rows.map((row) => row.agent.name)))).toEqual(['r-aaaaaa-flag']);
    const recorded = new Map([[runKey('vm', 'r-aaaaaa'), [{ agent: 'r-aaaaaa-flag', role: 'implementer', step: 'flag', model: 'm', usage: usage(2000, 200), costUsd: 1.25, turns: 3 }]]]);

    expect(runTotals(rows, runs, new Map())).toEqual([
      { host: 'vm', run: 'r-aaaaaa', agents: 2, usage: usage(1010, 101), costUsd: 0.5, unpriced: 1, uncounted: 1 },
      { host: 'lab', run: 'r-bbbbbb', agents: 0, usage: ZERO_USAGE, costUsd: null, unpriced: 0, uncounted: 1 },
    ]);
    expect(runTotals(rows, runs, recorded)[0]).toEqual({ host: 'vm', run: 'r-aaaaaa', agents: 3, usage: usage(3010, 301), costUsd: 1.75, unpriced: 1, uncounted: 0 });
  });
});
