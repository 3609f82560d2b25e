import { describe, expect, it } from 'vitest';
import type { HostView } from '../../common/app/hosts';
import type { SessionInfo } from '../../common/protocol/session';
import { AttentionWatcher, type Attention } from './attention';

const session = (status: SessionInfo['status']): SessionInfo => ({
  id: 's-1',
  name: 'fix-tests',
  command: 'claude',
  args: [],
  cwd: '/work',
  labels: {},
  cols: 80,
  rows: 24,
  status,
  pid: 10,
  exitCode: null,
  exitSignal: null,
  createdAt: 1,
  endedAt: null,
  endOffset: 0,
  retainedFrom: 0,
  inputAllowed: true,
});

const host = (state: HostView['state'], error: string | null = null): HostView => ({
  name: 'vm-1',
  kind: 'ssh',
  target: 'vm-1',
  state,
  error,
  retryAt: null,
  attempt: 0,
  hostVersion: null,
  latencyMs: null,
  auditAlarm: null,
  sessions: [],
});

describe('AttentionWatcher', () => {
  it('raises once when a session starts waiting on the human', () => {
    const raised: Attention[] = [];
    const watcher = new AttentionWatcher((attention) => raised.push(attention));
    watcher.handle('sessions.event', { host: 'vm-1', event: { type: 'status', session: session('working') } });
    watcher.handle('sessions.event', { host: 'vm-1', event: { type: 'status', session: session('waiting-for-input') } });
    watcher.handle('sessions.event', { host: 'vm-1', event: { type: 'status', session: session('waiting-for-input') } });
    expect(raised).toEqual([{ title: 'fix-tests is waiting on you', body: 'on vm-1', target: { host: 'vm-1', sessionId: 's-1' } }]);
  });

  it('raises when a connected host drops, not while it was never up', () => {
    const raised: Attention[] = [];
    const watcher = new AttentionWatcher((attention) => raised.push(attention));
    watcher.handle('hosts.changed', { host: host('connecting') });
    watcher.handle('hosts.changed', { host: host('failed', 'connection refused') });
    expect(raised).toHaveLength(0);
    watcher.handle('hosts.changed', { host: host('connected') });
    watcher.handle('hosts.changed', { host: host('reconnecting', 'connection reset') });
    expect(raised).toEqual([{ title: 'vm-1 dropped', body: 'connection reset', target: { host: 'vm-1' } }]);
  });

  it('ignores malformed notifications', () => {
    const raised: Attention[] = [];
    const watcher = new AttentionWatcher((attention) => raised.push(attention));
    watcher.handle('sessions.event', { host: 'vm-1', event: { type: 'status' } });
    watcher.handle('hosts.changed', { host: { name: 'x' } });
    expect(raised).toHaveLength(0);
  });
});
