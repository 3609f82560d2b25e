import type { ViewerEvent } from '../../../common/protocol/methods';
import { afterEach, describe, expect, it } from 'vitest';
import { afterAll } from 'vitest';
import { hello, OutputCollector, type HostPeer } from './client';
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

/** The session.viewer notifications a peer got, and a way to await the first one in a given state. */
function viewerEvents(peer: HostPeer) {
  const seen: ViewerEvent[] = [];
  const waiters: { state: ViewerEvent['state']; resolve: (event: ViewerEvent) => void }[] = [];
  peer.onNotification('session.viewer', (event) => {
    seen.push(event);
    for (const waiter of waiters.filter((w) => w.state === event.state)) waiter.resolve(event);
  });
  return {
    states: () => seen.map((event) => event.state),
    next(state: ViewerEvent['state']): Promise<ViewerEvent> {
      const earlier = seen.find((event) => event.state === state);
      if (earlier) return Promise.resolve(earlier);
      return new Promise((resolve) => waiters.push({ state, resolve }));
    },
  };
}

describe.each<Via>(['ssh', 'local'])('agent-host flow control (bridge via %s)', (via) => {
  it('stops at the watermark for a viewer that never acks, tells it it is stalled, and resumes on acks', async () => {
    const stateDir = await dirs.make();
    const args = ['--high-watermark', String(HIGH_WATERMARK), '--stall-timeout-ms', '400'];
    const silent = await bridges.open(via, stateDir, args);
    const watcher = await bridges.open(via, stateDir, args);
    expect((await hello(silent.peer)).highWatermark).toBe(HIGH_WATERMARK);
    await hello(watcher.peer);
    const events = viewerEvents(silent.peer);
    const total = 4 * 1024 * 1024;
    const exited = new Promise<void>((resolve) =>
      watcher.peer.onNotification('session.event', (event) => event.type === 'exited' && resolve()),
    );
    const { session } = await silent.peer.request('session.start', { ...emitCommand(total) });
    const slow = new OutputCollector(silent.peer, session.id, 0, { autoAck: false });
    await silent.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    // 'paused' is sent when the un-acked window is full, so the viewer's cursor is at the watermark.
    const paused = await events.next('paused');
    expect(paused).toMatchObject({ sessionId: session.id, sentOffset: HIGH_WATERMARK, ackedOffset: 0 });
    // The agent is never blocked by the silent viewer: it runs to the end.
    await exited;
    const stats = await watcher.peer.request('host.stats', {});
    const viewer = stats.viewers.find((v) => v.sessionId === session.id)!;
    expect(viewer.ackedOffset).toBe(0);
    expect(viewer.sentOffset).toBe(HIGH_WATERMARK);
    expect(viewer.paused).toBe(true);
    expect(viewer.bufferedBytes).toBeLessThanOrEqual(HIGH_WATERMARK);
    expect(slow.next).toBeLessThanOrEqual(HIGH_WATERMARK);
    // The daemon's stall timer (--stall-timeout-ms 400) raises this notification; we await it, not a clock.
    expect(await events.next('stalled')).toMatchObject({ sessionId: session.id, ackedOffset: 0 });

    // Everything sent (the watermark's worth) reaches the silent viewer, and not a byte more.
    await slow.until((c) => c.next >= HIGH_WATERMARK);
    expect(slow.next).toBe(HIGH_WATERMARK);

    // Acks reopen the window; the rest comes from the journal, byte-exact.
    slow.autoAck = true;
    slow.ack();
    await slow.until((c) => c.next >= total, 60_000);
    expect(slow.error).toBeUndefined();
    expect(slow.next).toBe(total);
    expect(slow.sha256()).toBe(createHash('sha256').update(expectedBytes(total)).digest('hex'));
    expect(await events.next('resumed')).toMatchObject({ sessionId: session.id, ackedOffset: HIGH_WATERMARK });
    expect(await events.next('ended')).toMatchObject({ sessionId: session.id, sentOffset: total });
    // Paused and stalled (in either order) come before the first resume; later acks may pause it again.
    expect([...events.states().slice(0, 2)].sort()).toEqual(['paused', 'stalled']);
    expect(events.states()[2]).toBe('resumed');
    // The collector sent its ACK for `total` before `until` resolved. The daemon handles frames of one
    // connection in order and applies an ACK as it decodes it, so the reply to a request sent after that
    // ACK on the same connection proves the ACK was processed. (No notification follows the last ACK:
    // 'ended' is sent when the last byte goes out, before it is acked. Reading stats on another
    // connection, as this test did, raced that ACK.)
    const after = await silent.peer.request('host.stats', {});
    expect(after.viewers.find((v) => v.sessionId === session.id)).toMatchObject({
      sentOffset: total,
      ackedOffset: total,
      stalled: false,
      paused: false,
    });
  });
});
