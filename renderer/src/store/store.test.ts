import { beforeEach, describe, expect, it } from 'vitest';
import type { HostView } from '../../../common/app/hosts';
import { ZERO_USAGE, type AgentInfo } from '../../../common/protocol/agents';
import type { SessionInfo } from '../../../common/protocol/session';
import { whoIsWaiting } from '../lib/waiting';
import { MAX_PANES } from './layoutSlice';
import { useStore } from './store';

const initial = useStore.getState();

const session = (id: string, status: SessionInfo['status'], createdAt = 1): SessionInfo => ({
  id,
  name: id,
  command: 'bash',
  args: [],
  cwd: '/',
  labels: {},
  cols: 80,
  rows: 24,
  status,
  pid: 1,
  exitCode: null,
  exitSignal: null,
  createdAt,
  endedAt: null,
  endOffset: 0,
  retainedFrom: 0,
  inputAllowed: true,
});

const agent = (name: string, status: AgentInfo['status'], sessionId: string | null, extra: Partial<AgentInfo> = {}): AgentInfo => ({
  name,
  profile: 'shell',
  kind: 'command',
  repo: 'app',
  branch: `flightdeck/${name}`,
  baseCommit: 'abc123',
  worktree: `/w/${name}`,
  task: 'do it',
  model: null,
  sessionId,
  status,
  question: null,
  queuedMessages: 0,
  usage: ZERO_USAGE,
  costUsd: null,
  turns: 0,
  confinement: null,
  createdAt: 1,
  updatedAt: 1,
  ...extra,
});

const waitingIds = () => {
  const state = useStore.getState();
  return whoIsWaiting(state.hosts, state.hostOrder).map((ref) => `${ref.host}/${ref.kind === 'agent' ? ref.agent.name : ref.session.id}`);
};

const host = (name: string, sessions: SessionInfo[], agents?: AgentInfo[]): HostView => ({
  name,
  kind: 'ssh',
  target: name,
  state: 'connected',
  error: null,
  retryAt: null,
  attempt: 0,
  hostVersion: '0.1.0',
  latencyMs: 3,
  auditAlarm: null,
  sessions,
  agents,
});

describe('layout', () => {
  beforeEach(() => useStore.setState(initial, true));

  it('opens a terminal once: a second open focuses the existing pane', () => {
    const store = useStore.getState();
    store.openTerminal('vm~a');
    store.openTerminal('vm~b');
    store.openTerminal('vm~a');
    const state = useStore.getState();
    expect(state.tabs.map((tab) => tab.panes)).toEqual([['vm~a'], ['vm~b']]);
    expect(state.activeTabId).toBe(state.tabs[0]!.id);
    expect(state.focusedPane).toBe('vm~a');
  });

  it('splits the active tab up to the grid limit, then opens a new tab', () => {
    const store = useStore.getState();
    store.openTerminal('vm~0');
    for (let index = 1; index <= MAX_PANES; index++) store.openTerminal(`vm~${index}`, 'split');
    const { tabs } = useStore.getState();
    expect(tabs[0]!.panes).toHaveLength(MAX_PANES);
    expect(tabs[1]!.panes).toEqual([`vm~${MAX_PANES}`]);
  });

  it('closing the last pane of a tab removes the tab and activates a neighbour', () => {
    const store = useStore.getState();
    store.openTerminal('vm~a');
    store.openTerminal('vm~b');
    store.closePane('vm~b');
    const state = useStore.getState();
    expect(state.tabs.map((tab) => tab.panes)).toEqual([['vm~a']]);
    expect(state.activeTabId).toBe(state.tabs[0]!.id);
  });
});

describe('fleet', () => {
  beforeEach(() => useStore.setState(initial, true));

  it('applies session events and counts who waits on the human, oldest first', () => {
    const store = useStore.getState();
    store.setHosts([host('vm-1', [session('a', 'working')]), host('vm-2', [])]);
    store.applySessionEvent('vm-2', { type: 'started', session: session('b', 'waiting-for-input', 5) });
    store.applySessionEvent('vm-1', { type: 'status', session: session('a', 'waiting-for-input', 2) });
    expect(waitingIds()).toEqual(['vm-1/a', 'vm-2/b']);
    store.applySessionEvent('vm-1', { type: 'removed', session: session('a', 'exited') });
    expect(useStore.getState().hosts['vm-1']!.sessions).toEqual([]);
    expect(waitingIds()).toEqual(['vm-2/b']);
  });

  it('applies agent events: started adds, changed replaces in place, removed drops', () => {
    const store = useStore.getState();
    store.setHosts([host('vm-1', [], []), host('old', [])]);
    store.applyAgentEvent('vm-1', { type: 'started', agent: agent('fix', 'starting', 's1') });
    store.applyAgentEvent('vm-1', { type: 'started', agent: agent('docs', 'working', 's2', { createdAt: 2 }) });
    store.applyAgentEvent('vm-1', { type: 'changed', agent: agent('fix', 'working', 's1', { costUsd: 0.5 }) });
    let agents = useStore.getState().hosts['vm-1']!.agents!;
    expect(agents.map((entry) => `${entry.name}:${entry.status}`)).toEqual(['fix:working', 'docs:working']);
    expect(agents[0]!.costUsd).toBe(0.5);
    store.applyAgentEvent('vm-1', { type: 'removed', agent: agent('fix', 'stopped', 's1') });
    agents = useStore.getState().hosts['vm-1']!.agents!;
    expect(agents.map((entry) => entry.name)).toEqual(['docs']);
    // A host that sends agent events runs agents, even if the list was not there yet.
    store.applyAgentEvent('old', { type: 'started', agent: agent('late', 'working', 's3') });
    expect(useStore.getState().hosts.old!.agents!.map((entry) => entry.name)).toEqual(['late']);
    store.applyAgentEvent('ghost', { type: 'started', agent: agent('x', 'working', null) });
    expect(useStore.getState().hosts.ghost).toBeUndefined();
  });

  it("counts a waiting agent once (not its session too), with its question, longest waiting first", () => {
    const question = { id: 'q1', kind: 'ask_human' as const, text: 'Drop the old table?', askedAt: 3 };
    const store = useStore.getState();
    store.setHosts([
      host('vm-1', [session('s1', 'waiting-for-input', 1), session('s2', 'waiting-for-input', 9)], [agent('fix', 'waiting-for-human', 's1', { question })]),
      host('vm-2', [session('s3', 'waiting-for-input', 5)], [agent('shell', 'waiting-for-human', 's3', { updatedAt: 2 }), agent('done', 'stopped', 's4')]),
    ]);
    expect(waitingIds()).toEqual(['vm-2/shell', 'vm-1/fix', 'vm-1/s2']);
    const state = useStore.getState();
    const [first, second] = whoIsWaiting(state.hosts, state.hostOrder);
    expect(first!.key).toBe('vm-2~s3');
    expect(second!.kind === 'agent' && second!.agent.question?.text).toBe('Drop the old table?');
    store.applyAgentEvent('vm-1', { type: 'changed', agent: agent('fix', 'working', 's1') });
    store.applySessionEvent('vm-1', { type: 'status', session: session('s1', 'working', 1) });
    expect(waitingIds()).toEqual(['vm-2/shell', 'vm-1/s2']);
  });

  it('ignores events for hosts it does not know, and keeps host order on update', () => {
    const store = useStore.getState();
    store.setHosts([host('vm-1', []), host('vm-2', [])]);
    store.applySessionEvent('ghost', { type: 'started', session: session('x', 'working') });
    store.upsertHost({ ...host('vm-1', []), state: 'reconnecting' });
    const state = useStore.getState();
    expect(state.hostOrder).toEqual(['vm-1', 'vm-2']);
    expect(state.hosts['vm-1']!.state).toBe('reconnecting');
    expect(state.hosts.ghost).toBeUndefined();
  });
});
