import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindingOptions,
  boundKeyLine,
  forcedCommand,
  linesOfKey,
  parseAuthorizedKeys,
  withKeyLine,
  withoutKey,
  type BridgeBinding,
} from './authorizedKeys';
import { parsePublicKey } from './publicKey';

function ed25519(comment = ''): string {
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(randomBytes(32))]).toString('base64');
  return `ssh-ed25519 ${blob}${comment ? ` ${comment}` : ''}`;
}

const ALICE = parsePublicKey(ed25519('alice@laptop'));
const binding: BridgeBinding = {
  node: '/usr/bin/node',
  bridge: '/opt/agent-host/bridge.mjs',
  name: 'alice',
  stateDir: '/home/team/.flightdeck/host',
};

describe('authorized_keys', () => {
  it('finds keys behind any options, with quoted spaces, commas and escaped quotes', () => {
    const bob = ed25519('bob');
    const text = [
      '# admin keys',
      ed25519('admin@vm'),
      `from="10.0.0.1,10.0.0.2",command="echo \\"a b\\", then",no-pty ${bob}`,
      '',
      `restrict ${ALICE.type} ${ALICE.base64} old comment\r`,
      'garbage line',
    ].join('\n');
    expect(parseAuthorizedKeys(text).map(({ line, options, type }) => ({ line, options, type }))).toEqual([
      { line: 2, options: undefined, type: 'ssh-ed25519' },
      { line: 3, options: 'from="10.0.0.1,10.0.0.2",command="echo \\"a b\\", then",no-pty', type: 'ssh-ed25519' },
      { line: 5, options: 'restrict', type: 'ssh-ed25519' },
    ]);
    expect(linesOfKey(text, ALICE).map((entry) => entry.line)).toEqual([5]);
    expect(linesOfKey(text, parsePublicKey(bob)).map((entry) => entry.line)).toEqual([3]);
    expect(linesOfKey(text, parsePublicKey(ed25519()))).toEqual([]);
  });

  it('appends the bound line: forced bridge command, restrict, the name as comment', () => {
    const line = boundKeyLine(binding, ALICE);
    expect(line).toBe(
      `command="/usr/bin/node /opt/agent-host/bridge.mjs --as alice --state-dir /home/team/.flightdeck/host",restrict ssh-ed25519 ${ALICE.base64} alice@flightdeck`,
    );
    expect(withKeyLine('', 'ak', ALICE, line, false)).toBe(`${line}\n`);
    expect(withKeyLine('ssh-rsa AAAA other', 'ak', ALICE, line, false)).toBe(`ssh-rsa AAAA other\n${line}\n`);
  });

  it('refuses a key already there (any options or comment), naming the line, unless --replace', () => {
    const text = `# keys\n${ed25519('admin')}\nno-pty ${ALICE.type} ${ALICE.base64} another comment\n`;
    expect(() => withKeyLine(text, '/home/u/.ssh/authorized_keys', ALICE, boundKeyLine(binding, ALICE), false)).toThrow(
      '/home/u/.ssh/authorized_keys:3: this key is already authorized there (--replace binds that line instead)',
    );
    // Binding one line while another still lets the key in would bind nothing.
    expect(() => withKeyLine(`${text}${ALICE.type} ${ALICE.base64}\n`, 'ak', ALICE, boundKeyLine(binding, ALICE), true)).toThrow(
      'ak: lines 3, 4 all hold this key; remove all but one, then --replace binds it',
    );
  });

  it('--replace rewrites that line in place, every other byte kept (CRLF, no final newline)', () => {
    const before = `# keys\r\n${ed25519('admin')}\r\n${ALICE.type} ${ALICE.base64}\r\n  # trailing  \r\n${ed25519('last')}`;
    const line = boundKeyLine(binding, ALICE);
    const after = withKeyLine(before, 'ak', ALICE, line, true);
    const [beforeLines, afterLines] = [before.split('\n'), after.split('\n')];
    expect(afterLines).toHaveLength(beforeLines.length);
    expect(afterLines[2]).toBe(`${line}\r`);
    expect(afterLines.filter((_, index) => index !== 2)).toEqual(beforeLines.filter((_, index) => index !== 2));
    expect(withoutKey(after, ALICE)).toEqual({ text: beforeLines.filter((_, index) => index !== 2).join('\n'), removed: 1 });
  });

  it('refuses a path with a newline, which no authorized_keys line can hold', () => {
    expect(() => bindingOptions({ ...binding, stateDir: '/tmp/a\nb' })).toThrow(/newline or NUL/);
  });

  it('reads options as sshd does: only \\" is an escape inside a quoted value', () => {
    expect(forcedCommand('no-pty,command="a \\"b\\" \\c",restrict')).toBe('a "b" \\c');
    expect(forcedCommand('restrict')).toBeUndefined();
    // The backslash escapes the closing quote: the value never ends.
    expect(forcedCommand('command="a\\",restrict')).toBeUndefined();
  });

  describe('quoting paths with spaces, quotes and backslashes', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'authorized-keys-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads back, through sshd’s dequoting and then sh and bash, as the very words written', () => {
      // A stand-in bridge that prints the arguments it got, at an awkward path (Node runs no .mjs from a path with "\\").
      const folder = join(dir, `it's a "dir" with !bang`);
      mkdirSync(folder);
      const bridge = join(folder, 'bridge.mjs');
      writeFileSync(bridge, 'process.stdout.write(JSON.stringify(process.argv.slice(2)))');
      const stateDir = join(dir, `state "x" 'y' \\"z\\ end\\`);
      const options = bindingOptions({ node: process.execPath, bridge, name: 'alice', stateDir });
      const command = forcedCommand(options)!;
      for (const shell of ['sh', 'bash']) {
        expect(JSON.parse(execFileSync(shell, ['-c', command], { encoding: 'utf8' }))).toEqual(['--as', 'alice', '--state-dir', stateDir]);
      }
    });
  });
});
