import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxReady } from './probe';
import { CountingServer, requireSandbox, shIn, tempDir } from './testing/sandboxed';

const CURL = '/usr/bin/curl';

describe('sandbox: network (real bwrap, real servers)', () => {
  let probe: SandboxReady;
  let root: ReturnType<typeof tempDir>;
  let web: CountingServer;

  beforeAll(async () => {
    probe = await requireSandbox();
    root = tempDir('fd-sbx-net-');
    web = await CountingServer.listen({ port: 0 });
  });
  afterAll(async () => {
    await web?.close();
    root?.remove();
  });

  const curl = (port: number | string): string => `${CURL} -sS --max-time 10 --noproxy '*' http://127.0.0.1:${port}/ -o /dev/null; echo "curl=$?"`;

  it('isolated: a TCP server on the host loopback is unreachable (curl fails, zero connections)', async () => {
    const ran = await shIn(probe, curl(web.address));
    // 7: could not connect — the sandbox's own loopback has nothing listening on that port.
    expect(ran.stdout).toContain('curl=7\n');
    expect(await web.settledCount()).toBe(0);
  });

  it('isolated: only the loopback interface exists (netlink and /proc/net agree)', async () => {
    const ran = await shIn(
      probe,
      `tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; '${process.execPath}' -e "console.log('ifaces=' + Object.keys(require('os').networkInterfaces()).join(','))"`,
    );
    expect(ran.stdout).toBe('lo\nifaces=lo\n');
  });

  it('host network: the same curl reaches the server (the control for the two tests above)', async () => {
    const before = await web.settledCount();
    const ran = await shIn(probe, `${CURL} -sS --max-time 10 --noproxy '*' http://127.0.0.1:${web.address}/ --http0.9 -o /dev/null; echo "curl=$?"`, { network: 'host' });
    expect(ran.stdout).toMatch(/curl=\d+\n/);
    expect(await web.settledCount()).toBe(before + 1);
  });

  it('isolated: a bound Unix socket is the way out (what the egress proxy socket relies on)', async () => {
    const proxy = await CountingServer.listen({ path: join(root.path, 'egress.sock') });
    try {
      const ran = await shIn(probe, `${CURL} -sS --max-time 10 --unix-socket '${proxy.address}' --http0.9 http://egress/; echo "curl=$?"`, {
        sockets: [proxy.address as string],
        hidden: [root.path],
      });
      expect(ran.stdout).toContain('hello\n');
      expect(await proxy.settledCount()).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});
