import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listAliases, parseHostSpec, resolveRoute, type SshEnvironment } from './config';

const dir = mkdtempSync(join(tmpdir(), 'flightdeck-sshconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function environment(config: string, knownHostsOverride?: string): SshEnvironment {
  const configPath = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(configPath, config);
  return { configPath, home: '/home/lead', localUser: 'lead', uid: 1000, localHostName: 'laptop', vars: {}, knownHostsOverride };
}

describe('parseHostSpec', () => {
  it('splits user, host and port', () => {
    expect(parseHostSpec('vm1')).toEqual({ host: 'vm1', user: undefined, port: undefined });
    expect(parseHostSpec('ops@vm1:2222')).toEqual({ user: 'ops', host: 'vm1', port: 2222 });
    expect(parseHostSpec('ssh://ops@vm1:2200')).toEqual({ user: 'ops', host: 'vm1', port: 2200 });
    expect(parseHostSpec('[::1]:22')).toEqual({ host: '::1', user: undefined, port: 22 });
    expect(() => parseHostSpec('vm1:99999')).toThrow(/invalid port/);
  });
});

describe('resolveRoute', () => {
  const config = [
    'Host vm1',
    '  HostName 10.0.0.5',
    '  User agent',
    '  Port 2222',
    '  IdentityFile ~/.ssh/id_%h_%r',
    '  IdentityFile keys/extra',
    '  IdentitiesOnly yes',
    '  ProxyJump bastion,ops@inner:2200',
    'Host bastion',
    '  HostName bastion.corp.example',
    '  User jump',
    'Host *',
    '  UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts2',
    '',
  ].join('\n');

  it('applies HostName, User, Port, IdentityFile tokens, IdentitiesOnly and multi-hop ProxyJump', () => {
    const route = resolveRoute('vm1', {}, environment(config));
    expect(route.target).toMatchObject({
      hostName: '10.0.0.5',
      port: 2222,
      user: 'agent',
      // A relative IdentityFile stays relative (to the working directory), as in OpenSSH.
      identityFiles: ['/home/lead/.ssh/id_10.0.0.5_agent', 'keys/extra'],
      identitiesOnly: true,
      knownHostsFiles: ['/home/lead/.ssh/known_hosts', '/home/lead/.ssh/known_hosts2', '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    });
    expect(route.jumps.map((hop) => [hop.user, hop.hostName, hop.port])).toEqual([
      ['jump', 'bastion.corp.example', 22],
      ['ops', 'inner', 2200],
    ]);
  });

  it('lets flags override the config, and "none" drop a configured jump', () => {
    const route = resolveRoute('vm1', { port: 22, identityFile: '/keys/k', jump: 'none' }, environment(config));
    expect(route.target.port).toBe(22);
    expect(route.target.identityFiles).toEqual(['/keys/k']);
    expect(route.jumps).toEqual([]);
  });

  it('resolves user@host:port without config, with default identities and the known_hosts override', () => {
    const route = resolveRoute('root@127.0.0.1:2022', {}, environment('', '/tmp/kh'));
    expect(route.target).toMatchObject({ hostName: '127.0.0.1', port: 2022, user: 'root', identitiesOnly: false, knownHostsFiles: ['/tmp/kh'] });
    expect(route.target.identityFiles).toEqual(['/home/lead/.ssh/id_ed25519', '/home/lead/.ssh/id_ecdsa', '/home/lead/.ssh/id_rsa']);
    expect(route.target.identityFilesExplicit).toBe(false);
  });

  it('lists concrete aliases, not wildcards', () => {
    expect(listAliases(environment(config)).map((alias) => alias.alias)).toEqual(['vm1', 'bastion']);
  });
});

describe('resolveRoute errors', () => {
  it('refuses a ProxyCommand it cannot run, unless --jump replaces it', () => {
    const env = environment('Host vm\n  ProxyCommand ssh -W %h:%p bastion\n');
    expect(() => resolveRoute('vm', {}, env)).toThrow(/gives vm a ProxyCommand \(ssh -W %h:%p bastion\), which Flightdeck does not run/);
    expect(resolveRoute('vm', { jump: 'bastion' }, env).jumps.map((hop) => hop.hostName)).toEqual(['bastion']);
  });
});
