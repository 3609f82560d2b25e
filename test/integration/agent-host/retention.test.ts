import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DetachedEvent } from '../../../common/protocol/methods';
import { hello, OutputCollector, spawnLocalBridge, waitFor } from './client';
import { emitCommand, useLocalBridges } from './fixture';
import { expectedBytes } from './fixtures/emit.mjs';

const { dirs, bridges } = useLocalBridges();

const RETENTION = 256 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('agent-host journal retention', () => {
  it('caps the journal, attaches older offsets from the screen at the cut, and detaches viewers that fall behind it', async () => {
    const stateDir = await dirs.make();
    const local = spawnLocalBridge({ stateDir, args: ['--retention-bytes', String(RETENTION)] });
    bridges.push(local);
    const { peer } = local;
    await hello(peer);
    const detached: DetachedEvent[] = [];
    peer.onNotification('session.detached', (event) => detached.push(event));
    const total = 3 * 1024 * 1024;
    const exited = new Promise<void>((resolve) => peer.onNotification('session.event', (e) => e.type === 'exited' && resolve()));
    const { session } = await peer.request('session.start', { ...emitCommand(total, 65536, 1) });
    // A viewer that never acks: it stops at the watermark and is detached once the cut passes it.
    new OutputCollector(peer, session.id, 0, { autoAck: false });
    await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    await exited;
    await waitFor(() => detached.some((event) => event.sessionId === session.id && event.reason === 'fell-behind'), 'the lagging viewer to be detached');

    const { sessions } = await peer.request('session.list', {});
    const info = sessions.find((s) => s.id === session.id)!;
    expect(info.endOffset).toBe(total);
    expect(info.retainedFrom).toBeGreaterThan(0);
    expect(info.endOffset - info.retainedFrom).toBeLessThanOrEqual(RETENTION);
    const db = new Database(join(stateDir, 'host.db'), { readonly: true });
    const stored = db.prepare('SELECT SUM(length(data)) AS bytes, MIN(offset) AS first FROM output WHERE session_id = ?').get(session.id) as {
      bytes: number;
      first: number;
    };
    db.close();
    expect(stored.first).toBe(info.retainedFrom);
    expect(stored.bytes).toBe(total - info.retainedFrom);

    // Asking for offset 0 (long gone) yields the screen at the cut, then exactly the retained bytes.
    const other = spawnLocalBridge({ stateDir });
    bridges.push(other);
    await hello(other.peer);
    const replay = new OutputCollector(other.peer, session.id, info.retainedFrom);
    const attached = await other.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    expect(attached.streamFrom).toBe(info.retainedFrom);
    expect(attached.snapshot?.offset).toBe(info.retainedFrom);
    const lineBeforeCut = new TextDecoder().decode(expectedBytes(info.retainedFrom)).split('\n').at(-2)!;
    expect(attached.snapshot?.data).toContain(lineBeforeCut.slice(0, 30));
    await replay.until((c) => c.next >= total);
    expect(replay.sha256()).toBe(sha256(expectedBytes(total).subarray(info.retainedFrom)));
  });
});
