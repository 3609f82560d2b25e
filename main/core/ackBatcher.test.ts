import { describe, expect, it } from 'vitest';
import { ACK_DELAY_MS, AckBatcher, type Ack } from './ackBatcher';

function batcher() {
  const sent: Ack[][] = [];
  let delivered: (acks: Ack[]) => void = () => undefined;
  const acks = new AckBatcher((batch) => {
    sent.push(batch);
    delivered(batch);
  });
  const next = () => new Promise<Ack[]>((resolve) => (delivered = resolve));
  return { acks, sent, next };
}

describe('AckBatcher', () => {
  it('sends the waiting acks of several streams together, each with its latest offset, after the delay', async () => {
    const { acks, sent, next } = batcher();
    acks.begin('a', 0, 1024 * 1024);
    acks.begin('b', 500, 1024 * 1024);
    const batch = next();
    const queuedAt = performance.now();
    acks.ack('a', 100);
    acks.ack('b', 700);
    acks.ack('a', 250);
    expect(sent).toEqual([]);
    expect(await batch).toEqual([['a', 250], ['b', 700]]);
    // Timers may fire a millisecond early; never a whole delay early.
    expect(performance.now() - queuedAt).toBeGreaterThanOrEqual(ACK_DELAY_MS - 5);
    expect(sent).toHaveLength(1);
  });

  it('sends at once when a quarter of a stream\'s window waits, with every other waiting ack', () => {
    const { acks, sent } = batcher();
    acks.begin('a', 0, 4000);
    acks.begin('b', 0, 4000);
    acks.ack('b', 10);
    acks.ack('a', 999);
    expect(sent).toEqual([]);
    acks.ack('a', 1000);
    expect(sent).toEqual([[['b', 10], ['a', 1000]]]);
    // Counted from what the host last heard: another 999 bytes wait again.
    acks.ack('a', 1999);
    expect(sent).toHaveLength(1);
    acks.flush();
    expect(sent[1]).toEqual([['a', 1999]]);
  });

  it('drops acks the host already has, acks of ended streams and of streams it never began, and everything on clear', () => {
    const { acks, sent } = batcher();
    acks.begin('a', 100, 4000);
    acks.ack('a', 100);
    acks.ack('a', 50);
    acks.ack('never-begun', 10);
    acks.flush();
    expect(sent).toEqual([]);
    acks.ack('a', 150);
    acks.end('a');
    acks.flush();
    expect(sent).toEqual([]);
    acks.begin('b', 0, 4000);
    acks.ack('b', 10);
    acks.clear();
    acks.flush();
    acks.ack('b', 20);
    acks.flush();
    expect(sent).toEqual([]);
  });

  it('starts a stream afresh when it begins again (a re-attach)', () => {
    const { acks, sent } = batcher();
    acks.begin('a', 0, 4000);
    acks.ack('a', 500);
    acks.begin('a', 300, 4000);
    acks.flush();
    expect(sent).toEqual([]);
    acks.ack('a', 400);
    acks.flush();
    expect(sent).toEqual([[['a', 400]]]);
  });
});
