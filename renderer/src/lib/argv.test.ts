import { describe, expect, it } from 'vitest';
import { splitCommandLine } from './argv';

describe('splitCommandLine', () => {
  it('splits on whitespace and keeps quoted groups', () => {
    expect(splitCommandLine(`claude --model "opus 4"  -p 'fix it'`)).toEqual(['claude', '--model', 'opus 4', '-p', 'fix it']);
  });
  it('keeps empty quoted words and escapes', () => {
    expect(splitCommandLine(`echo "" a\\ b "q\\"x"`)).toEqual(['echo', '', 'a b', 'q"x']);
  });
  it('refuses an unclosed quote', () => {
    expect(() => splitCommandLine(`bash -c "echo`)).toThrow(/unclosed/);
  });
});
