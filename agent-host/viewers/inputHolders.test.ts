import { describe, expect, it } from 'vitest';
import { InputHolders } from './inputHolders';
import type { Viewer } from './viewer';

const viewer = (sessionId: string, name: string) => ({ sessionId, name }) as unknown as Viewer;

describe('InputHolders', () => {
  it('gives input to the earliest viewer until another one types, and back when the typist leaves', () => {
    const holders = new InputHolders();
    const first = viewer('s-1', 'first');
    const second = viewer('s-1', 'second');
    holders.attached(first);
    holders.attached(second);
    expect(holders.holder('s-1')).toBe(first);
    holders.typed(second);
    expect(holders.holder('s-1')).toBe(second);
    holders.detached(second);
    expect(holders.holder('s-1')).toBe(first);
    holders.detached(first);
    expect(holders.holder('s-1')).toBeUndefined();
  });

  it('keeps sessions apart', () => {
    const holders = new InputHolders();
    const a = viewer('s-a', 'a');
    const b = viewer('s-b', 'b');
    holders.attached(a);
    holders.attached(b);
    holders.typed(b);
    expect(holders.holder('s-a')).toBe(a);
    expect(holders.holder('s-b')).toBe(b);
  });
});
