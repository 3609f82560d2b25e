import type { ViewerEvent } from '../../../common/protocol/methods';
import { afterEach, describe, expect, it } from 'vitest';
import { afterAll } from 'vitest';
import { hello, OutputCollector, waitFor } from './client';
import { Bridges, emitCommand, StateDirs, type Via } from './fixture';
import { expectedBytes } from './fixtures/emit.mjs';
import { createHash } from 'node:crypto';

const dirs = new StateDirs();
const bridges = new Bridges();

afterEach(async () => {
  bridges.close();
  await dirs.cleanup();
});

afterAll(() => bridges.stop());

const HIGH_WATERMARK = 256 * 1024;

describe.each<Via>(['ssh', 'local'])('agent-host flow control (bridge via %s)', (via) => {
  it('stops at the watermark for a viewer that never acks, tells it it is stalled, and resumes on acks', async () => {
    const stateDir = await dirs.make();
    const args = ['--high-watermark', String(HIGH_WATERMARK), '--stall-timeout-ms', '400'];
    const silent = await bridges.open(via, stateDir, args);
    const watcher = await bridges.open(via, stateDir, args);
    expect((await hello(silent.peer)).highWatermark).toBe(HIGH_WATERMARK);
    await hello(watcher.peer);
    const events: ViewerEvent[] = [];
    silent.peer.onNotification('session.viewer', (event) => events.push(event));
    const total = 4 * 1024 * 1024;
    const exited = new Promise<void>((resolve) =>
      watcher.peer.onNotification('session.event', (event) => event.type === 'exited' && resolve()),
    );
    const { session } = await silent.peer.request('session.start', { ...emitCommand(total) });
    const slow = new OutputCollector(silent.peer, session.id, 0, { autoAck: false });
    await silent.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    // The agent is never blocked by the silent viewer: it runs to the end.
    await exited;
    const stats = await watcher.peer.request('host.stats', {});
    const viewer = stats.viewers.find((v) => v.sessionId === session.id)!;
    expect(viewer.ackedOffset).toBe(0);
    expect(viewer.sentOffset).toBe(HIGH_WATERMARK);
    expect(viewer.paused).toBe(true);
    expect(viewer.bufferedBytes).toBeLessThanOrEqual(HIGH_WATERMARK);
    expect(slow.next).toBeLessThanOrEqual(HIGH_WATERMARK);
    await waitFor(() => events.some((event) => event.state === 'stalled'), 'a stalled notification', 5000);
    expect(events.map((event) => event.state)).toContain('paused');

    // Acks reopen the window; the rest comes from the journal, byte-exact.
    slow.autoAck = true;
    slow.ack();
    await slow.until((c) => c.next >= total, 60_000);
    expect(slow.sha256()).toBe(createHash('sha256').update(expectedBytes(total)).digest('hex'));
    await waitFor(() => events.some((event) => event.state === 'resumed'), 'a resumed notification', 5000);
    await waitFor(() => events.some((event) => event.state === 'ended'), 'an ended notification', 5000);
    const after = await watcher.peer.request('host.stats', {});
    expect(after.viewers.find((v) => v.sessionId === session.id)).toMatchObject({ stalled: false, paused: false, ackedOffset: total });
  });
});
