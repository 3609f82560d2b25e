import { describe, expect, it } from 'vitest';
import { OutputBatcher } from './outputBatcher';
import { OutputClock } from './outputClock';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('OutputBatcher', () => {
  it('flushes sparse output (a keystroke echo) on the next turn, not after the delay, all reads of the turn together', async () => {
    const batches: string[] = [];
    const batcher = new OutputBatcher((batch) => batches.push(new TextDecoder().decode(batch)), { delayMs: 10_000 });
    for (const part of ['a', 'b', 'c']) batcher.push(new TextEncoder().encode(part));
    expect(batches).toEqual([]);
    await nextTurn();
    expect(batches).toEqual(['abc']);
  });

  it('lets batches grow for the delay once output streams', async () => {
    const sizes: number[] = [];
    const batcher = new OutputBatcher((batch) => sizes.push(batch.length), { burstBytes: 100, delayMs: 30, windowMs: 60_000 });
    batcher.push(new Uint8Array(50));
    await nextTurn();
    expect(sizes).toEqual([50]);
    // 50 flushed + 60 pending within the window: a stream, so this batch waits to grow.
    batcher.push(new Uint8Array(60));
    await nextTurn();
    expect(sizes).toEqual([50]);
    batcher.push(new Uint8Array(10));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sizes).toEqual([50, 70]);
  });

  it('flushes at once when a batch reaches its size limit', () => {
    const sizes: number[] = [];
    const batcher = new OutputBatcher((batch) => sizes.push(batch.length), { maxBytes: 10, delayMs: 1000 });
    batcher.push(new Uint8Array(6));
    batcher.push(new Uint8Array(6));
    expect(sizes).toEqual([12]);
    batcher.push(new Uint8Array(3));
    batcher.flush();
    expect(sizes).toEqual([12, 3]);
  });

  it('holds quiet output for the clock, where every session\'s quiet output leaves in the same turn', async () => {
    const clock = new OutputClock(30);
    const flushed: string[] = [];
    let turnEnded = false;
    const ticked = new Promise<boolean>((resolve) => {
      const a = new OutputBatcher(() => {
        flushed.push('a');
        setImmediate(() => (turnEnded = true));
      }, { clock });
      const b = new OutputBatcher(() => {
        flushed.push('b');
        resolve(turnEnded);
      }, { clock });
      a.push(new Uint8Array(10));
      b.push(new Uint8Array(10));
    });
    await nextTurn();
    expect(flushed).toEqual([]);
    expect(await ticked).toBe(false);
    expect(flushed).toEqual(['a', 'b']);
  });

  it('sends output at once while someone types, and moves output already waiting for the clock to the next turn', async () => {
    const clock = new OutputClock(60_000);
    const batches: number[] = [];
    const batcher = new OutputBatcher((batch) => batches.push(batch.length), { clock });
    batcher.push(new Uint8Array(3));
    await nextTurn();
    expect(batches).toEqual([]);
    batcher.typed();
    await nextTurn();
    expect(batches).toEqual([3]);
    batcher.push(new Uint8Array(1));
    await nextTurn();
    expect(batches).toEqual([3, 1]);
  });
});
