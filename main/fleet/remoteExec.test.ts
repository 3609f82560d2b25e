import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from './remoteExec';
import { bridgeCommand, remoteLayout } from './bootstrap';

const sh = (script: string): string => execFileSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, HOME: '/home/lead' } });

describe('shellQuote', () => {
  it('survives quotes, spaces and $ in a real sh, and expands a leading ~/ to $HOME', () => {
    for (const word of ["it's", 'a b', '$HOME', '`x`', 'back\\slash']) expect(sh(`printf %s ${shellQuote(word)}`)).toBe(word);
    expect(sh(`printf %s ${shellQuote('~/.flightdeck/it s')}`)).toBe('/home/lead/.flightdeck/it s');
  });

  it('builds the bridge command for the default and a custom host dir', () => {
    expect(bridgeCommand(remoteLayout(undefined, '1.2.3', 'node'))).toBe(
      `exec 'node' "$HOME"/'.flightdeck/agent-host/1.2.3/agent-host.mjs' bridge --state-dir "$HOME"/'.flightdeck/host'`,
    );
    expect(bridgeCommand(remoteLayout('/srv/team a', '1.2.3', '/opt/node/bin/node'))).toBe(
      `exec '/opt/node/bin/node' '/srv/team a/agent-host/1.2.3/agent-host.mjs' bridge --state-dir '/srv/team a'`,
    );
  });
});
