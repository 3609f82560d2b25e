import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { ptsPath } from './nodePtyInternals';
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

  it('follows the modes as the program changes them, without a descriptor left open', async () => {
    const path = await terminalWith('-echo');
    const descriptors = readdirSync('/proc/self/fd').length;
    expect(typingIsHidden(path)).toBe(true);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) typingIsHidden(path);
    console.log(`[measure] typingIsHidden: ${((performance.now() - started) / 1000).toFixed(4)} ms per question`);
    execFileSync('stty', ['-F', path, 'echo']);
    expect(typingIsHidden(path)).toBe(false);
    expect(readdirSync('/proc/self/fd').length).toBe(descriptors);
  });

  it('fails closed: a terminal that cannot be read counts as hidden', () => {
    expect(typingIsHidden('/dev/pts/999999')).toBe(true);
    expect(typingIsHidden('/dev/null')).toBe(true);
    expect(typingIsHidden('/dev/pts/1\nmore')).toBe(true);
  });
});
