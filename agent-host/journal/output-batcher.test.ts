import { describe, expect, it } from 'vitest';
import { OutputBatcher } from './output-batcher';

describe('OutputBatcher', () => {
  it('coalesces small reads into one batch after a short delay, in order', async () => {
    const batches: string[] = [];
    const batcher = new OutputBatcher((batch) => batches.push(new TextDecoder().decode(batch)), { delayMs: 5 });
    for (const part of ['a', 'b', 'c']) batcher.push(new TextEncoder().encode(part));
    expect(batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual(['abc']);
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
});
