import * as pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { ptsPath } from './nodePtyInternals';
import { SttyHelper } from './sttyHelper';
import { typingIsHidden } from './ttyModes';

const terminals: pty.IPty[] = [];
afterEach(() => {
  for (const terminal of terminals.splice(0)) terminal.kill('SIGKILL');
});

/** A terminal whose program set up `stty ARGS` and then waits; resolves once the modes are in place. */
function terminalWith(sttyArgs: string): Promise<string> {
  const terminal = pty.spawn('sh', ['-c', `stty ${sttyArgs}; printf ready; sleep 30`], { encoding: null });
  terminals.push(terminal);
  return new Promise((resolve) => terminal.onData(() => resolve(ptsPath(terminal))));
}

describe('typingIsHidden', () => {
  it('is true at a password prompt (echo off, canonical), false for a shell line editor or plain cat', async () => {
    expect(typingIsHidden(await terminalWith('-echo'))).toBe(true);
    expect(typingIsHidden(await terminalWith('-echo -icanon'))).toBe(false);
    expect(typingIsHidden(await terminalWith('echo icanon'))).toBe(false);
  });

  it('fails closed: a terminal that cannot be read counts as hidden', () => {
    expect(typingIsHidden('/dev/pts/999999')).toBe(true);
    expect(typingIsHidden('/dev/pts/1\nmore')).toBe(true);
  });
});

describe.each(['perl', 'sh'] as const)('SttyHelper (%s)', (kind) => {
  it('reads the modes of a terminal, and says when it cannot', async () => {
    const helper = SttyHelper.start(kind);
    try {
      const path = await terminalWith('-echo');
      expect(helper.modes(path, 2000)).toMatch(/(^|\s)-echo(\s|$)/m);
      expect(helper.modes(path, 2000)).not.toMatch(/-icanon/);
      expect(helper.modes('/dev/pts/999999', 2000)).toBeNull();
      expect(helper.alive).toBe(true);
      const started = performance.now();
      for (let i = 0; i < 50; i++) helper.modes(path, 2000);
      console.log(`[measure] SttyHelper ${kind}: ${((performance.now() - started) / 50).toFixed(2)} ms per question`);
    } finally {
      helper.close();
    }
  });
});
