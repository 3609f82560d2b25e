import { describe, expect, it } from 'vitest';
import { Screen } from './screen';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('Screen', () => {
  it('names the exact offset a snapshot stands for, even with writes still being parsed', async () => {
    const screen = new Screen(40, 5, 100);
    const parsed: number[] = [];
    screen.feed(bytes('hello\r\n'), (offset) => parsed.push(offset));
    screen.feed(bytes('\x1b[1;31mred\x1b[0m world'), (offset) => parsed.push(offset));
    const snapshot = await screen.snapshot();
    expect(snapshot.offset).toBe(100 + 7 + 20);
    expect(parsed).toEqual([107, 127]);
    expect(snapshot).toMatchObject({ cols: 40, rows: 5 });
    expect(snapshot.data).toContain('hello');
    expect(screen.cursorLineText()).toBe('red world');
    screen.dispose();
  });

  it('restores the same screen from a snapshot', async () => {
    const original = new Screen(30, 4);
    for (let i = 0; i < 10; i++) original.feed(bytes(`line ${i} \x1b[7minverse\x1b[0m\r\n`));
    original.feed(bytes('prompt$ '));
    const snapshot = await original.snapshot();
    const restored = new Screen(snapshot.cols, snapshot.rows, snapshot.offset);
    restored.feed(snapshot.data);
    const again = await restored.snapshot();
    expect(again.data).toBe(snapshot.data);
    expect(again.offset).toBe(snapshot.offset);
    expect(restored.cursorLineText()).toBe('prompt$ ');
    original.dispose();
    restored.dispose();
  });
});
