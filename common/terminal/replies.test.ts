import { describe, expect, it } from 'vitest';
import { isTerminalReply, segmentTerminalInput } from './replies';

const bytes = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const text = (data: Uint8Array) => String.fromCharCode(...data);

describe('terminal replies', () => {
  it('recognises the answers xterm.js gives to queries', () => {
    for (const reply of [
      '\x1b[?1;2c',
      '\x1b[>0;276;0c',
      '\x1b[12;40R',
      '\x1b[?12;40;1R',
      '\x1b[0n',
      '\x1b[?2004;1$y',
      '\x1b[8;24;80t',
      '\x1b[?0u',
      '\x1b[I',
      '\x1b]11;rgb:1e1e/1e1e/1e1e\x1b\\',
      '\x1b]4;1;rgb:cd/00/00\x07',
      '\x1bP1$r0;1m\x1b\\',
      '\x1bP>|xterm.js(6.0.0)\x1b\\',
      '\x1b[?1;2c\x1b[12;40R',
    ]) {
      expect(isTerminalReply(bytes(reply)), JSON.stringify(reply)).toBe(true);
    }
  });

  it('does not take typing for a reply', () => {
    for (const typed of ['a', 'ls -la\r', '\x1b[A', '\x1b[1;5D', '\x1bOP', '\x03', '\x1b', '\x1b[200~paste\x1b[201~', '\x1b[<0;10;5M', '\x1b[12;40Rx']) {
      expect(isTerminalReply(bytes(typed)), JSON.stringify(typed)).toBe(false);
    }
  });

  it('splits a terminal stream into typing and replies, in order and without losing a byte', () => {
    const input = 'ab\x1b[?62;22c\x1b[Acd\x1b[5;1Re';
    const segments = segmentTerminalInput(bytes(input));
    expect(segments.map((segment) => [segment.reply, text(segment.data)])).toEqual([
      [false, 'ab'],
      [true, '\x1b[?62;22c'],
      [false, '\x1b[Acd'],
      [true, '\x1b[5;1R'],
      [false, 'e'],
    ]);
    expect(segments.map((segment) => text(segment.data)).join('')).toBe(input);
  });
});
