import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EgressEndRecord, EgressRecord } from './egressProxy';
import { startForwarders } from './forwarder';
import { closed, connectTo, curl, echoOrigin, httpOrigin, proxyEnv, proxyRig, readBytes, useCleanups } from './testing/egressFixtures';

const isEnd = (record: EgressRecord): record is EgressEndRecord => record.type === 'end';

describe('the forwarders inside the sandbox', () => {
  const track = useCleanups();

  it('keeps a configured endpoint working through a tunnel: each connection becomes an audited CONNECT', async () => {
    const model = track(await httpOrigin());
    const rig = track(await proxyRig({ tunnels: [{ listenHost: '127.0.0.1', listenPort: 0, host: '127.0.0.1', port: model.port }] }));
    const tunnelPort = rig.forwarders.tunnels[0]?.listenPort;

    // No proxy variables: the agent just talks to its configured http://127.0.0.1:PORT.
    const result = await curl(['--noproxy', '*', '--data', '{"model":"m"}', `http://127.0.0.1:${tunnelPort}/v1/messages`]);

    expect(result).toMatchObject({ code: 0, stdout: 'hello POST /v1/messages {"model":"m"}' });
    expect(rig.decided).toEqual([expect.objectContaining({ agent: 'agent-1', kind: 'connect', host: '127.0.0.1', port: model.port, loopback: true })]);
    const end = await rig.audit.waitFor(isEnd);
    expect(end).toMatchObject({ kind: 'connect', outcome: 'completed', address: '127.0.0.1' });
    expect(end.bytesUp).toBeGreaterThan(0);
    expect(end.bytesDown).toBeGreaterThan(0);
  });

  it('closes the client connection of a denied tunnel, and the target is never reached', async () => {
    const model = track(await httpOrigin());
    const rig = track(
      await proxyRig({
        decide: () => ({ allow: false, rule: 'egress.default', reason: 'not listed' }),
        tunnels: [{ listenHost: '127.0.0.1', listenPort: 0, host: '127.0.0.1', port: model.port }],
      }),
    );

    const result = await curl(['--noproxy', '*', `http://127.0.0.1:${rig.forwarders.tunnels[0]?.listenPort}/`]);

    expect([52, 56]).toContain(result.code);
    expect(model.connections).toBe(0);
    expect(rig.logs.join('\n')).toContain('answered 403 (rule egress.default)');
  });

  it('streams both ways through a tunnel and passes a half-close on', async () => {
    const echo = track(await echoOrigin());
    const rig = track(await proxyRig({ tunnels: [{ listenHost: '127.0.0.1', listenPort: 0, host: '127.0.0.1', port: echo.port }] }));
    const socket = await connectTo({ port: rig.forwarders.tunnels[0]?.listenPort ?? 0 });

    // Sent before the proxy has even answered the CONNECT: it waits in the socket, nothing is lost.
    const big = 'x'.repeat(1024 * 1024);
    socket.write(big);
    socket.end();

    expect((await readBytes(socket, big.length)).length).toBe(big.length);
    await closed(socket);
    expect(await rig.audit.waitFor(isEnd)).toMatchObject({ bytesUp: big.length, bytesDown: big.length });
  });

  it('survives a missing proxy socket: the client is closed, the forwarder keeps serving', async () => {
    const rig = track(await proxyRig());
    const forwarders = track(await startForwarders({ proxySocket: join(rig.dir, 'nowhere.sock'), httpProxyPort: 0, tunnels: [{ listenHost: '127.0.0.1', listenPort: 0, host: 'example.com', port: 443 }] }));

    const viaProxy = await curl(['http://example.com/'], proxyEnv(`http://127.0.0.1:${forwarders.httpProxyPort}`));
    const viaTunnel = await curl(['--noproxy', '*', `http://127.0.0.1:${forwarders.tunnels[0]?.listenPort}/`]);
    const again = await curl(['http://example.com/'], proxyEnv(`http://127.0.0.1:${forwarders.httpProxyPort}`));

    for (const result of [viaProxy, viaTunnel, again]) expect([52, 56]).toContain(result.code);
  });

  it('ends live connections when closed', async () => {
    const echo = track(await echoOrigin());
    const rig = track(await proxyRig({ tunnels: [{ listenHost: '127.0.0.1', listenPort: 0, host: '127.0.0.1', port: echo.port }] }));
    const socket = await connectTo({ port: rig.forwarders.tunnels[0]?.listenPort ?? 0 });
    socket.write('hi');
    expect(await readBytes(socket, 2)).toBe('hi');

    await rig.forwarders.close();

    await closed(socket);
    expect(await rig.audit.waitFor(isEnd)).toMatchObject({ outcome: 'completed', bytesUp: 2, bytesDown: 2 });
  });

  it('refuses to start when a port is taken, leaving nothing listening', async () => {
    const rig = track(await proxyRig());
    const taken = rig.forwarders.httpProxyPort;

    await expect(
      startForwarders({ proxySocket: rig.agent.socketPath, httpProxyPort: 0, tunnels: [{ listenHost: '127.0.0.1', listenPort: taken, host: 'h', port: 1 }] }),
    ).rejects.toThrow('EADDRINUSE');
  });
});
