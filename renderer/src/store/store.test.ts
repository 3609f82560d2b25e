import { beforeEach, describe, expect, it } from 'vitest';
import type { HostView } from '../../../common/app/hosts';
import type { SessionInfo } from '../../../common/protocol/session';
import { waitingSessions } from '../lib/waiting';
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

const host = (name: string, sessions: SessionInfo[]): HostView => ({
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
    let state = useStore.getState();
    expect(waitingSessions(state.hosts, state.hostOrder).map((ref) => `${ref.host}/${ref.session.id}`)).toEqual(['vm-1/a', 'vm-2/b']);
    store.applySessionEvent('vm-1', { type: 'removed', session: session('a', 'exited') });
    state = useStore.getState();
    expect(state.hosts['vm-1']!.sessions).toEqual([]);
    expect(waitingSessions(state.hosts, state.hostOrder)).toHaveLength(1);
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
