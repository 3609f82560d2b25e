import { describe, expect, it } from 'vitest';
import { classifyAddress, parseAbsoluteHttpUrl, parseConnectAuthority, parseV6 } from './addresses';

describe('egress addresses', () => {
  it.each([
    ['127.0.0.1', true, false],
    ['127.255.1.2', true, false],
    ['0.0.0.0', true, false],
    ['169.254.169.254', false, true],
    ['10.0.0.1', false, false],
    ['93.184.216.34', false, false],
    ['::1', true, false],
    ['::', true, false],
    ['0:0:0:0:0:0:0:1', true, false],
    ['::ffff:127.0.0.1', true, false],
    ['::ffff:7f00:1', true, false],
    ['::ffff:169.254.169.254', false, true],
    ['::ffff:a9fe:a9fe', false, true],
    ['::127.0.0.1', true, false],
    ['64:ff9b::127.0.0.1', true, false],
    ['fe80::1', false, true],
    ['fe80::1%eth0', false, true],
    ['febf::1', false, true],
    ['fec0::1', false, false],
    ['2001:db8::1', false, false],
    ['::ffff:8.8.8.8', false, false],
    ['not-an-address', true, true],
  ])('%s: loopback %s, link-local %s', (address, loopback, linkLocal) => {
    expect(classifyAddress(address)).toEqual({ loopback, linkLocal });
  });

  it('parses IPv6 with compression and an IPv4 tail', () => {
    expect(parseV6('1:2::7:8')).toEqual([0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8]);
    expect(parseV6('::ffff:1.2.3.4')?.slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(parseV6('1.2.3.4')).toBeUndefined();
  });

  it('parses CONNECT authorities', () => {
    expect(parseConnectAuthority('Example.COM.:443')).toEqual({ ok: true, target: { host: 'example.com', port: 443, ip: false } });
    expect(parseConnectAuthority('[::1]:8080')).toEqual({ ok: true, target: { host: '::1', port: 8080, ip: true } });
    expect(parseConnectAuthority('10.1.2.3:22')).toEqual({ ok: true, target: { host: '10.1.2.3', port: 22, ip: true } });
    for (const bad of ['example.com', 'example.com:0', 'example.com:65536', 'exa mple.com:1', '::1:443', '[nope]:1', 'a:b:1', 'x@y:1']) {
      expect(parseConnectAuthority(bad).ok, bad).toBe(false);
    }
  });

  it('parses absolute http URLs the way the WHATWG parser normalises them', () => {
    expect(parseAbsoluteHttpUrl('http://Example.com/a?b=c')).toEqual({
      ok: true,
      target: { host: 'example.com', port: 80, ip: false, path: '/a?b=c', hostHeader: 'example.com' },
    });
    expect(parseAbsoluteHttpUrl('http://[::1]:81/')).toMatchObject({ ok: true, target: { host: '::1', port: 81, ip: true, hostHeader: '[::1]:81' } });
    // Numeric forms of 127.0.0.1 come out as the dotted address the classifier understands.
    expect(parseAbsoluteHttpUrl('http://2130706433/')).toMatchObject({ ok: true, target: { host: '127.0.0.1', ip: true } });
    expect(parseAbsoluteHttpUrl('http://0x7f.1/')).toMatchObject({ ok: true, target: { host: '127.0.0.1', ip: true } });
    expect(parseAbsoluteHttpUrl('/relative').ok).toBe(false);
    expect(parseAbsoluteHttpUrl('https://example.com/').ok).toBe(false);
    expect(parseAbsoluteHttpUrl('ftp://example.com/').ok).toBe(false);
  });
});
