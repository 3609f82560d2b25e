import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginShellCommand, shellQuote } from './remoteExec';
import { bridgeCommand, remoteLayout } from './bootstrap';

const sh = (script: string): string => execFileSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, HOME: '/home/lead' } });

describe('shellQuote', () => {
  it('survives quotes, spaces and $ in a real sh, and expands a leading ~/ to $HOME', () => {
    for (const word of ["it's", 'a b', '$HOME', '`x`', 'back\\slash']) expect(sh(`printf %s ${shellQuote(word)}`)).toBe(word);
    expect(sh(`printf %s ${shellQuote('~/.flightdeck/it s')}`)).toBe('/home/lead/.flightdeck/it s');
  });

  it('runs the bridge-only bridge.mjs when the install has it, else `agent-host.mjs bridge` (older installs)', () => {
    const base = mkdtempSync(join(tmpdir(), 'flightdeck-bridge-cmd-'));
    try {
      const layout = remoteLayout(join(base, 'team dir'), '1.2.3', process.execPath);
      mkdirSync(layout.installDir, { recursive: true });
      const echoArgs = 'process.stdout.write(JSON.stringify(process.argv.slice(1).map((arg) => arg.split("/").pop())));';
      writeFileSync(join(layout.installDir, 'agent-host.mjs'), echoArgs);
      expect(JSON.parse(sh(bridgeCommand(layout)))).toEqual(['agent-host.mjs', 'bridge', '--state-dir', 'team dir']);
      writeFileSync(join(layout.installDir, 'bridge.mjs'), echoArgs);
      expect(JSON.parse(sh(bridgeCommand(layout)))).toEqual(['bridge.mjs', '--state-dir', 'team dir']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('quotes the default host dir so ~ still expands on the VM', () => {
    expect(bridgeCommand(remoteLayout(undefined, '1.2.3', 'node'))).toContain(
      `exec 'node' "$HOME"/'.flightdeck/agent-host/1.2.3/bridge.mjs' --state-dir "$HOME"/'.flightdeck/host'`,
    );
  });
});

describe('loginShellCommand', () => {
  // sshd hands exec commands to the user's login shell; fish and tcsh come from .ci/run's Debian packages.
  const loginShells = ['sh', 'bash', 'dash', 'fish', 'tcsh', 'csh'];
  const tricky = `it's "$HOME" \`id\` back\\slash \\\\ \\' !bang !! {a,b} * ~ # ; % ^ tab\tend ~/x $(id) & | < > ( ) [ ]`;

  it.each(loginShells)('reaches sh unchanged through %s, quotes, backslashes and ! included', (shell) => {
    // fish keeps its config and history under HOME: a throwaway one.
    const home = mkdtempSync(join(tmpdir(), 'flightdeck-login-shell-'));
    try {
      const script = `printf %s ${shellQuote(tricky)}; printf ' [%s]' "$0"`;
      const output = execFileSync(shell, ['-c', loginShellCommand(script)], { encoding: 'utf8', env: { ...process.env, HOME: home } });
      expect(output).toBe(`${tricky} [sh]`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a newline, which csh and sh cannot be given the same way', () => {
    expect(() => loginShellCommand('echo a\necho b')).toThrow(/newline/);
  });
});
