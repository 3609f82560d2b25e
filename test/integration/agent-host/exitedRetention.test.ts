import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../common/protocol/session';
import { hello, spawnLocalBridge, waitFor, type HostPeer } from './client';
import { useLocalBridges } from './fixture';

const { dirs, bridges } = useLocalBridges();

async function connect(args: string[]): Promise<{ peer: HostPeer; stateDir: string; events: { type: string; session: SessionInfo }[] }> {
  const stateDir = await dirs.make();
  const local = spawnLocalBridge({ stateDir, args });
  bridges.push(local);
  const events: { type: string; session: SessionInfo }[] = [];
  local.peer.onNotification('session.event', (event) => events.push(event));
  await hello(local.peer);
  return { peer: local.peer, stateDir, events };
}

/** Starts a program that prints `bytes` bytes and exits; resolves with its info once it has exited. */
async function runToExit(peer: HostPeer, events: { type: string; session: SessionInfo }[], bytes: number): Promise<SessionInfo> {
  const { session } = await peer.request('session.start', { command: 'sh', args: ['-c', `head -c ${bytes} /dev/zero | tr '\\0' x`] });
  return waitFor(() => events.find((event) => event.type === 'exited' && event.session.id === session.id)?.session, `${session.id} to exit`);
}

function hostRemovals(stateDir: string): { target: string; actor: string; reason: string; data: string }[] {
  const db = new Database(join(stateDir, 'host.db'), { readonly: true });
  try {
    return db.prepare("SELECT target, actor, reason, data FROM audit WHERE action = 'session.remove' ORDER BY seq").all() as never;
  } finally {
    db.close();
  }
}

describe('agent-host retention of ended sessions', () => {
  it('removes the oldest ended sessions once they hold more than --exited-retention-bytes, telling viewers', async () => {
    const { peer, stateDir, events } = await connect(['--exited-retention-bytes', '3000']);
    const detached: string[] = [];
    peer.onNotification('session.detached', (event) => detached.push(`${event.sessionId}:${event.reason}`));
    const first = await runToExit(peer, events, 1200);
    await peer.request('session.attach', { sessionId: first.id, fromOffset: first.endOffset });
    const second = await runToExit(peer, events, 1200);
    expect((await peer.request('session.list', {})).sessions.map((session) => session.id)).toEqual([first.id, second.id]);

    const third = await runToExit(peer, events, 1200);
    await waitFor(() => events.some((event) => event.type === 'removed' && event.session.id === first.id), 'the oldest to be removed');
    await waitFor(() => detached.includes(`${first.id}:removed`), 'its viewer to be told');
    expect((await peer.request('session.list', {})).sessions.map((session) => session.id)).toEqual([second.id, third.id]);
    const [removal, ...more] = hostRemovals(stateDir);
    expect(more).toEqual([]);
    expect(removal).toMatchObject({ target: `session:${first.id}`, actor: 'host' });
    expect(removal!.reason).toBe('ended sessions hold 3600 bytes of output, over the 3000 kept; this one ended first');
    expect(JSON.parse(removal!.data)).toMatchObject({ rule: 'exited-retention', bytes: 1200 });
  });

  it('removes ended sessions older than --exited-retention-age, with their journal, and never a running one', async () => {
    const { peer, stateDir, events } = await connect(['--exited-retention-age', '1s']);
    const { session: running } = await peer.request('session.start', { command: 'sleep', args: ['30'] });
    const old = await runToExit(peer, events, 10);
    // The rule is about time: let it pass (the clock is the event here).
    await waitFor(() => Date.now() - old.endedAt! > 1000, 'the first session to be over a second gone');
    const young = await runToExit(peer, events, 10);
    await waitFor(() => events.some((event) => event.type === 'removed' && event.session.id === old.id), 'the old one to be removed');
    expect((await peer.request('session.list', {})).sessions.map((session) => session.id).sort()).toEqual([running.id, young.id].sort());
    expect(hostRemovals(stateDir).map((row) => row.reason)).toEqual([expect.stringMatching(/^ended [12]s ago; ended sessions are kept 1s$/)]);
    const db = new Database(join(stateDir, 'host.db'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM output WHERE session_id = ?').get(old.id)).toEqual({ n: 0 });
    db.close();
  });
});
