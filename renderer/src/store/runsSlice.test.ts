import { beforeEach, describe, expect, it } from 'vitest';
import type { InboxItem, RunInfo } from '../../../common/protocol/runs';
import { useStore } from './store';

const initial = useStore.getState();

const run = (id: string, state: RunInfo['state'], updatedAt: number): RunInfo => ({
  id,
  runbook: { name: 'add-feature', version: '1.0.0', hash: 'f'.repeat(64), source: 'built-in', file: 'add-feature.md' },
  repo: 'app',
  params: {},
  state,
  reason: null,
  baseCommit: 'a'.repeat(40),
  integrationBranch: `flightdeck-run/${id}`,
  planner: null,
  planVersion: null,
  approvedVersion: null,
  steps: [],
  pullRequest: null,
  startedBy: 'person:alice',
  createdAt: 1,
  updatedAt,
});

const item = (id: string, since: number): InboxItem => ({ id, kind: 'checkpoint', run: 'r-1a2b3c', step: 'flag', agent: null, summary: id, since });

describe('runs and inbox in the store', () => {
  beforeEach(() => useStore.setState(initial, true));

  it('applies run events on top of the list; an older event never takes a run back', () => {
    const store = useStore.getState();
    store.applyRunEvent('vm', run('r-1a2b3c', 'planning', 1));
    expect(useStore.getState().runs.entries).toBeNull();
    store.setRuns([{ host: 'vm', run: run('r-1a2b3c', 'running', 5), stale: null }], []);
    store.applyRunEvent('vm', run('r-1a2b3c', 'awaiting-approval', 4));
    expect(useStore.getState().runs.entries!.map((entry) => entry.run.state)).toEqual(['running']);
    store.applyRunEvent('vm', run('r-1a2b3c', 'done', 9));
    store.applyRunEvent('vm', run('r-4d5e6f', 'planning', 10));
    expect(useStore.getState().runs.entries!.map((entry) => `${entry.run.id} ${entry.run.state}`)).toEqual(['r-4d5e6f planning', 'r-1a2b3c done']);
  });

  it('a live event replaces a stale copy from the cache, whatever its age', () => {
    const store = useStore.getState();
    store.setRuns([{ host: 'vm', run: run('r-1a2b3c', 'running', 50), stale: { mirroredAt: 1, error: 'away' } }], [{ host: 'vm', error: 'away', mirroredAt: 1 }]);
    store.applyRunEvent('vm', run('r-1a2b3c', 'blocked', 40));
    expect(useStore.getState().runs.entries![0]).toMatchObject({ stale: null, run: { state: 'blocked' } });
  });

  it('keeps the inbox oldest first as items come and go, per host', () => {
    const store = useStore.getState();
    store.setInbox([{ ...item('ck-00000002', 20), host: 'vm' }], []);
    store.applyInboxEvent('vm2', { type: 'added', item: item('ck-00000001', 10) });
    store.applyInboxEvent('vm', { type: 'added', item: item('ck-00000003', 30) });
    expect(useStore.getState().inbox.entries!.map((entry) => `${entry.host}/${entry.id}`)).toEqual(['vm2/ck-00000001', 'vm/ck-00000002', 'vm/ck-00000003']);
    store.applyInboxEvent('vm', { type: 'removed', item: item('ck-00000002', 20) });
    // The same id on another host is another item.
    store.applyInboxEvent('vm', { type: 'removed', item: item('ck-00000001', 10) });
    expect(useStore.getState().inbox.entries!.map((entry) => `${entry.host}/${entry.id}`)).toEqual(['vm2/ck-00000001', 'vm/ck-00000003']);
  });

  it('opening a terminal leaves a view for the terminals, unless a run keeps them beside its graph', () => {
    const store = useStore.getState();
    store.showView({ kind: 'inbox' });
    store.openTerminal('vm~s1');
    expect(useStore.getState().view).toEqual({ kind: 'terminals' });
    store.showView({ kind: 'run', host: 'vm', run: 'r-1a2b3c' });
    store.setTerminalsBeside(true);
    store.openTerminal('vm~s2');
    expect(useStore.getState().view).toEqual({ kind: 'run', host: 'vm', run: 'r-1a2b3c' });
  });
});
