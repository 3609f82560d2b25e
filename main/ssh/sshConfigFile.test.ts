import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configuredAliases, resolveConfig, type SshConfigEnvironment } from './sshConfigFile';
import { hostLineMatches, matchPatternList } from './sshPatterns';

const root = mkdtempSync(join(tmpdir(), 'flightdeck-sshconfigfile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let homes = 0;
/** A home whose ~/.ssh holds `files`; `config` is the main file. */
function home(files: Record<string, string>, vars: Record<string, string> = {}): SshConfigEnvironment {
  const dir = join(root, `home${homes++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, '.ssh', path)), { recursive: true });
    writeFileSync(join(dir, '.ssh', path), text);
  }
  return { configPath: join(dir, '.ssh', 'config'), home: dir, localUser: 'lead', uid: process.getuid?.() ?? 0, localHostName: 'laptop.corp', vars };
}

describe('resolveConfig', () => {
  it('resolves an alias defined only in an Include relative to ~/.ssh', () => {
    const env = home({ config: 'Include config.d/*\n', 'config.d/vm1': 'Host vm1\n  HostName 10.0.0.7\n  User ops\n' });
    expect(resolveConfig({ host: 'vm1' }, env)).toMatchObject({ hostName: '10.0.0.7', user: 'ops', port: 22 });
  });

  it('never runs Match exec: such a block does not apply, negated or not', () => {
    const marker = join(root, 'exec-ran');
    const env = home({ config: `Match exec "touch ${marker}"\n  User ran\nMatch !exec "touch ${marker}"\n  Port 2\n` });
    expect(resolveConfig({ host: 'vm' }, env)).toMatchObject({ user: 'lead', port: 22 });
    expect(existsSync(marker)).toBe(false);
  });

  it('says what is wrong: tokens a directive does not take, unset variables, criteria, ports, Include loops', () => {
    const fails = (config: string, pattern: RegExp, vars: Record<string, string> = {}) =>
      expect(() => resolveConfig({ host: 'vm' }, home({ config }, vars))).toThrow(pattern);
    fails('Host vm\n  HostName vm-%p\n', /HostName "vm-%p": %p is not a token HostName accepts/);
    fails('Host vm\n  IdentityFile ${NOT_SET}/k\n', /IdentityFile "\$\{NOT_SET\}\/k": environment variable \$\{NOT_SET\} is not set/);
    fails('Match tagged x\n  User u\n', /config line 1: unsupported Match criterion "tagged"/);
    fails('Host vm\n\n  Port 0x16\n', /config line 3: bad port "0x16"/);
    fails('Include config\n', /Include nested more than 16 levels deep/);
  });

  it('expands ${VAR} in IdentityFile and UserKnownHostsFile', () => {
    const env = home({ config: 'Host vm\n  IdentityFile ${KEYS}/id_%r\n  UserKnownHostsFile ${KEYS}/kh none\n' }, { KEYS: '/srv/keys' });
    expect(resolveConfig({ host: 'vm', user: 'ops' }, env)).toMatchObject({ identityFiles: ['/srv/keys/id_ops'], userKnownHostsFiles: ['/srv/keys/kh'] });
  });

  it('refuses an included file others can write, as OpenSSH does', () => {
    const env = home({ config: 'Include shared\n', shared: 'Host *\n  HostName attacker.example\n' });
    chmodSync(join(env.home, '.ssh', 'shared'), 0o666);
    expect(() => resolveConfig({ host: 'vm' }, env)).toThrow(/bad owner or permissions on SSH config .*shared/);
  });

  it('reports a ProxyCommand (which Flightdeck cannot run) unless ProxyJump came first', () => {
    const command = home({ config: 'Host vm\n  ProxyCommand nc %h %p\n  ProxyJump bastion\n' });
    expect(resolveConfig({ host: 'vm' }, command)).toMatchObject({ proxyCommand: 'nc %h %p', proxyJump: null });
    const jump = home({ config: 'Host vm\n  ProxyJump bastion\n  ProxyCommand nc %h %p\n' });
    expect(resolveConfig({ host: 'vm' }, jump)).toMatchObject({ proxyCommand: null, proxyJump: 'bastion' });
  });
});

describe('configuredAliases', () => {
  it('lists concrete Host names across includes, in order', () => {
    const env = home({ config: 'Host a *.wild\nInclude inc/*\nHost b !c\n', 'inc/1': 'Host in1\n', 'inc/2': 'Match host x\nHost in2 a\n' });
    expect(configuredAliases(env)).toEqual(['a', 'in1', 'in2', 'b']);
  });
});

describe('patterns', () => {
  it('matches ? as exactly one character, Host lines case-sensitively, Match host lists case-insensitively', () => {
    expect(hostLineMatches(['vm?'], 'vm1')).toBe(true);
    expect(hostLineMatches(['vm?'], 'vm')).toBe(false);
    expect(hostLineMatches(['VM1'], 'vm1')).toBe(false);
    expect(hostLineMatches(['*', '!vm1'], 'vm1')).toBe(false);
    expect(matchPatternList('*.CORP,!bad.corp', 'Good.corp', true)).toBe(true);
    expect(matchPatternList('*.corp,!bad.corp', 'bad.corp', true)).toBe(false);
    expect(matchPatternList('Deploy', 'deploy', false)).toBe(false);
  });
});
