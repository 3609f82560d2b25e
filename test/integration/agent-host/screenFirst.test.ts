import { afterEach, describe, expect, it } from 'vitest';
import type { ScreenSnapshot } from '../../../common/protocol/session';
import { hello, OutputCollector, spawnLocalBridge, waitFor, type HostPeer, type LocalBridge } from './client';
import { StateDirs } from './fixture';
import { drawScreen, HOST_SCROLLBACK } from './screen';

const dirs = new StateDirs();
const bridges: LocalBridge[] = [];
const COLS = 80;
const ROWS = 24;

afterEach(async () => {
  for (const local of bridges.splice(0)) {
    local.peer.close();
    local.child.kill();
  }
  await dirs.cleanup();
});

async function open(): Promise<HostPeer> {
  const local = spawnLocalBridge({ stateDir: await dirs.make() });
  bridges.push(local);
  await hello(local.peer);
  return local.peer;
}

type Arrival = { kind: 'output'; offset: number; data: Uint8Array } | { kind: 'scrollback'; snapshot: ScreenSnapshot } | { kind: 'ended' };

/** Everything the host sends one stream, in arrival order; OUTPUT is acked as a viewer would. */
function record(peer: HostPeer, streamId: string): Arrival[] {
  const arrivals: Arrival[] = [];
  peer.onOutput((frame) => {
    if (frame.sessionId !== streamId) return;
    arrivals.push({ kind: 'output', offset: frame.offset, data: frame.data.slice() });
    peer.sendAck(streamId, frame.offset + frame.data.length);
  });
  peer.onNotification('session.scrollback', (event) => {
    if (event.streamId === streamId) arrivals.push({ kind: 'scrollback', snapshot: event.snapshot });
  });
  peer.onNotification('session.viewer', (event) => {
    if (event.streamId === streamId && event.state === 'ended') arrivals.push({ kind: 'ended' });
  });
  return arrivals;
}

const draw = (...writes: (string | Uint8Array)[]) => drawScreen(writes, COLS, ROWS);

async function printed(peer: HostPeer, sessionId: string, bytes: number): Promise<void> {
  await waitFor(
    async () => ((await peer.request('session.list', {})).sessions.find((session) => session.id === sessionId)?.endOffset ?? 0) >= bytes,
    `${bytes} bytes journaled`,
  );
}

const LINES = 1500;
const HISTORY = `i=1; while [ $i -le ${LINES} ]; do echo "line $i"; i=$((i+1)); done`;
const historyBytes = Array.from({ length: LINES }, (_, index) => `line ${index + 1}\r\n`.length).reduce((sum, length) => sum + length, 0);

describe('screenFirst attach: the visible screen in the answer, the scrollback after it', () => {
  it('answers with the visible rows, then sends the whole screen before any OUTPUT; keys typed in between reach the session', async () => {
    const peer = await open();
    const { session } = await peer.request('session.start', { command: 'sh', args: ['-c', `${HISTORY}; exec cat`], cols: COLS, rows: ROWS });
    await printed(peer, session.id, historyBytes);
    const arrivals = record(peer, 'view');
    const answer = await peer.request('session.attach', { sessionId: session.id, fromOffset: null, streamId: 'view', screenFirst: true });
    // Typed before the scrollback came: the view is already registered, so the keys are not lost.
    peer.sendInput('view', new TextEncoder().encode('typed while history loads\r'));

    expect(answer.scrollbackFollows).toBe(true);
    const visible = await draw(answer.snapshot!.data);
    expect(visible.scrollback).toBe(0);
    expect(visible.rows.slice(0, ROWS - 1)).toEqual(Array.from({ length: ROWS - 1 }, (_, index) => `line ${LINES - ROWS + 2 + index}`));
    expect(answer.snapshot!.data.length).toBeLessThan(4096);

    const echoed = () => new TextDecoder().decode(Buffer.concat(arrivals.flatMap((arrival) => (arrival.kind === 'output' ? [arrival.data] : []))));
    await waitFor(() => echoed().includes('typed while history loads\r\n'), 'the typed line echoed');
    const [first, ...rest] = arrivals;
    if (first?.kind !== 'scrollback') throw new Error(`the first arrival is ${first?.kind}, not the scrollback`);
    expect(first.snapshot.offset).toBeGreaterThanOrEqual(answer.streamFrom);
    const whole = await draw(first.snapshot.data);
    expect(whole.rows).toEqual(visible.rows);
    expect(whole.scrollback).toBe(HOST_SCROLLBACK);
    expect(whole.oldest).toBe(`line ${LINES - ROWS + 2 - HOST_SCROLLBACK}`);
    // The stream goes on exactly from the whole screen's offset, contiguous.
    let next = first.snapshot.offset;
    for (const arrival of rest) {
      expect(arrival.kind).toBe('output');
      if (arrival.kind !== 'output') continue;
      expect(arrival.offset).toBe(next);
      next += arrival.data.length;
    }
  });

  it('keeps the stream exact while the session prints: the scrollback comes first and OUTPUT starts at its offset', async () => {
    const peer = await open();
    const { session } = await peer.request('session.start', {
      command: 'sh',
      args: ['-c', `${HISTORY}; i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.002; done`],
      cols: COLS,
      rows: ROWS,
    });
    await printed(peer, session.id, historyBytes);
    const arrivals = record(peer, 'busy');
    const answer = await peer.request('session.attach', { sessionId: session.id, fromOffset: null, streamId: 'busy', screenFirst: true });
    expect(answer.scrollbackFollows).toBe(true);
    await waitFor(() => arrivals.filter((arrival) => arrival.kind === 'output').length >= 20, '20 OUTPUT frames');
    await peer.request('session.kill', { sessionId: session.id });

    const [first, ...rest] = arrivals;
    if (first?.kind !== 'scrollback') throw new Error(`the first arrival is ${first?.kind}, not the scrollback`);
    let next = first.snapshot.offset;
    const outputs = rest.filter((arrival) => arrival.kind === 'output');
    expect(outputs.length).toBe(rest.filter((arrival) => arrival.kind !== 'ended').length);
    for (const output of outputs) {
      expect(output.offset).toBe(next);
      next += output.data.length;
    }
    // The whole screen plus the stream after it shows what a viewer that saw every byte from the start shows.
    const viewer = await draw(first.snapshot.data, ...outputs.map((output) => output.data));
    const journal = new OutputCollector(peer, session.id, 0);
    await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    await journal.until((collector) => collector.next >= next, 15_000, `${next} journaled bytes`);
    expect(viewer).toEqual(await draw(journal.bytes.subarray(0, next)));
    expect(viewer.scrollback).toBe(HOST_SCROLLBACK);
  });

  it('sends an ended session whole (its screen is only stored whole) and no scrollback after it', async () => {
    const peer = await open();
    const { session } = await peer.request('session.start', { command: 'sh', args: ['-c', HISTORY], cols: COLS, rows: ROWS });
    await waitFor(
      async () => (await peer.request('session.list', {})).sessions.find((candidate) => candidate.id === session.id)?.status === 'exited',
      'the session to exit',
    );
    const arrivals = record(peer, 'ended');
    const answer = await peer.request('session.attach', { sessionId: session.id, fromOffset: null, streamId: 'ended', screenFirst: true });
    expect(answer.scrollbackFollows).toBe(false);
    expect((await draw(answer.snapshot!.data)).scrollback).toBe(HOST_SCROLLBACK);
    // 'ended' follows the last byte of the view; a scrollback would have come before any of it.
    await waitFor(() => arrivals.some((arrival) => arrival.kind === 'ended'), 'the view to end');
    expect(arrivals.filter((arrival) => arrival.kind === 'scrollback')).toEqual([]);
  });
});
