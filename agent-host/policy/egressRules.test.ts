import { describe, expect, it } from 'vitest';
import { effectivePolicy } from './effective';
import { canonicalHost, egressCovers, isLocalHost, matchEgress, parseEgressEntry, type EgressEntry } from './egressRules';
import { parsePolicy } from './layer';

const HOST = 'host policy /srv/fd/policy.yaml';
const entry = (raw: string) => parseEgressEntry(raw) as EgressEntry;
const remote = { resolvedIsLoopbackOrLinkLocal: false };
const resolvedLocal = { resolvedIsLoopbackOrLinkLocal: true };

function policyWith(egress: string) {
  return effectivePolicy(parsePolicy(`egress:\n${egress}`, HOST));
}

describe('egress entries', () => {
  it('parses hosts, suffixes, IP literals and ports into one canonical spelling', () => {
    expect(parseEgressEntry('API.Example.com')).toEqual({ kind: 'exact', host: 'api.example.com', port: null });
    expect(parseEgressEntry('*.corp.example:443')).toEqual({ kind: 'suffix', host: 'corp.example', port: 443 });
    expect(parseEgressEntry('10.0.0.5:8443')).toEqual({ kind: 'exact', host: '10.0.0.5', port: 8443 });
    expect(parseEgressEntry('[0:0::1]:8080')).toEqual({ kind: 'exact', host: '::1', port: 8080 });
    expect(parseEgressEntry('localhost:8080')).toEqual({ kind: 'exact', host: 'localhost', port: 8080 });
  });

  it.each([
    ['*', 'is not a host'],
    ['*.', 'is not a host'],
    ['a.*.example', 'a * may only start the entry'],
    ['api.example.com:0', 'ports are 1 to 65535'],
    ['api.example.com:http', 'the port must be a number'],
    ['::1', 'write IPv6 addresses in brackets'],
    ['[api.example.com]', 'only IPv6 addresses go in brackets'],
    ['*.10.0.0.1', 'IP addresses take no wildcard'],
    ['127.1', 'write IPv4 addresses as four decimal numbers'],
    ['010.0.0.1', 'write IPv4 addresses as four decimal numbers'],
    ['http://api.example.com', 'is not a host'],
    ['a b', 'is not a host'],
  ])('refuses %j', (raw, why) => {
    expect(parseEgressEntry(raw)).toEqual(expect.stringContaining(why));
  });

  it('knows which hosts are the VM itself or its link', () => {
    for (const host of ['127.0.0.1', '127.9.9.9', '0.0.0.0', '169.254.169.254', '::1', '::', 'fe80::1', '::ffff:7f00:1', 'localhost', 'db.localhost']) {
      expect(isLocalHost(canonicalHost(host)!), host).toBe(true);
    }
    for (const host of ['10.0.0.1', '192.168.1.1', 'example.com', '2001:db8::1', 'fc00::1', 'localhost.example.com', '::ffff:a00:1']) {
      expect(isLocalHost(canonicalHost(host)!), host).toBe(false);
    }
  });

  it('canonicalizes what the proxy is asked for, as an attacker might spell it', () => {
    expect(canonicalHost('2130706433')).toBe('127.0.0.1');
    expect(canonicalHost('0x7f.1')).toBe('127.0.0.1');
    expect(canonicalHost('[::ffff:127.0.0.1]')).toBe('::ffff:7f00:1');
    expect(canonicalHost('Example.COM.')).toBe('example.com');
    expect(canonicalHost('a/b')).toBeUndefined();
    expect(canonicalHost('user@host')).toBeUndefined();
  });

  it('covers a narrower entry only with the same host, a suffix of it, and a port rule at least as wide', () => {
    expect(egressCovers(entry('*.corp.example'), entry('git.corp.example:22'))).toBe(true);
    expect(egressCovers(entry('*.corp.example'), entry('*.eu.corp.example'))).toBe(true);
    expect(egressCovers(entry('*.corp.example'), entry('corp.example'))).toBe(false);
    expect(egressCovers(entry('*.corp.example'), entry('evilcorp.example'))).toBe(false);
    expect(egressCovers(entry('api.example.com'), entry('api.example.com:443'))).toBe(true);
    expect(egressCovers(entry('api.example.com:443'), entry('api.example.com'))).toBe(false);
    expect(egressCovers(entry('api.example.com:443'), entry('api.example.com:444'))).toBe(false);
    expect(egressCovers(entry('git.corp.example'), entry('*.git.corp.example'))).toBe(false);
  });
});

describe('matchEgress', () => {
  const strict = policyWith('  allow:\n    - api.example.com:443\n    - "*.corp.example"\n    - localhost:8080\n    - "[::1]:9000"\n');

  it('allows listed hosts case-insensitively, with the entry and its line as the rule', () => {
    expect(matchEgress(strict, 'API.EXAMPLE.COM', 443, remote)).toEqual({
      allow: true,
      rule: 'api.example.com:443',
      source: { label: HOST, line: 3 },
      reason: 'API.EXAMPLE.COM:443 is allowed by egress.allow api.example.com:443',
    });
    expect(matchEgress(strict, 'api.example.com', 80, remote)).toMatchObject({ allow: false, rule: 'not-in-egress-allow' });
    expect(matchEgress(strict, 'evil.com', 443, remote).reason).toBe('evil.com:443 is not in egress.allow (egress.mode strict)');
  });

  it('lets *.suffix match subdomains at any depth but never the bare suffix or a look-alike', () => {
    expect(matchEgress(strict, 'git.corp.example', 22, remote).allow).toBe(true);
    expect(matchEgress(strict, 'a.b.corp.example', 443, remote).allow).toBe(true);
    expect(matchEgress(strict, 'corp.example', 443, remote).allow).toBe(false);
    expect(matchEgress(strict, 'evilcorp.example', 443, remote).allow).toBe(false);
  });

  it('reaches loopback and link-local targets only through an entry naming that very host', () => {
    expect(matchEgress(strict, 'localhost', 8080, remote).allow).toBe(true);
    expect(matchEgress(strict, 'localhost', 8081, remote).allow).toBe(false);
    expect(matchEgress(strict, '127.0.0.1', 8080, remote)).toMatchObject({ allow: false, rule: 'local-target-not-listed' });
    expect(matchEgress(strict, '[::1]', 9000, remote).allow).toBe(true);
    expect(matchEgress(strict, '::1', 9000, remote).allow).toBe(true);
    expect(matchEgress(strict, '[0:0:0:0:0:0:0:1]', 9000, remote).allow).toBe(true);
    // A subdomain the wildcard allows, resolved to loopback by the proxy: refused.
    expect(matchEgress(strict, 'gw.corp.example', 443, resolvedLocal)).toMatchObject({ allow: false, rule: 'local-target-not-listed' });
    const named = policyWith('  allow: [gw.corp.example]\n');
    expect(matchEgress(named, 'gw.corp.example', 443, resolvedLocal).allow).toBe(true);
    expect(matchEgress(strict, '169.254.169.254', 80, remote).allow).toBe(false);
  });

  it('never lets a repo reach a local target the host allowed only through a wildcard', () => {
    const policy = effectivePolicy(
      parsePolicy('egress:\n  allow: ["*.corp.example"]\n', HOST),
      parsePolicy('egress:\n  allow: [gw.corp.example]\n', 'repo demo .flightdeck/policy.yaml'),
    );
    expect(matchEgress(policy, 'gw.corp.example', 443, remote).allow).toBe(true);
    expect(matchEgress(policy, 'gw.corp.example', 443, resolvedLocal).allow).toBe(false);
  });

  it('in proxy mode allows every destination but local ones, which still need an entry', () => {
    const proxy = policyWith('  mode: proxy\n  allow: [localhost:11434]\n');
    expect(matchEgress(proxy, 'anything.example', 443, remote)).toMatchObject({ allow: true, rule: 'egress.mode proxy' });
    expect(matchEgress(proxy, '127.0.0.1', 22, remote).allow).toBe(false);
    expect(matchEgress(proxy, 'sneaky.example', 22, resolvedLocal).allow).toBe(false);
    expect(matchEgress(proxy, 'localhost', 11434, remote)).toMatchObject({ allow: true, rule: 'localhost:11434' });
  });

  it('with egress off allows everything; with the defaults allows nothing', () => {
    const off = policyWith('  mode: off\n');
    expect(matchEgress(off, '127.0.0.1', 22, remote)).toMatchObject({ allow: true, rule: 'egress.mode off' });
    const closed = effectivePolicy(parsePolicy('', HOST));
    expect(matchEgress(closed, 'api.anthropic.com', 443, remote)).toMatchObject({ allow: false, source: 'default' });
  });

  it('refuses a destination that is not a host and port', () => {
    expect(matchEgress(strict, 'api.example.com/x', 443, remote)).toMatchObject({ allow: false, rule: 'invalid-destination' });
    expect(matchEgress(strict, 'api.example.com', 0, remote)).toMatchObject({ allow: false, rule: 'invalid-destination' });
    expect(matchEgress(strict, '', 443, remote).allow).toBe(false);
  });
});
