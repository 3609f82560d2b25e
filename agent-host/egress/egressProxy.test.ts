import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EgressProxy, type EgressDecisionRecord, type EgressEndRecord, type EgressRecord } from './egressProxy';
import {
  closed,
  closedPort,
  connectTo,
  curl,
  echoOrigin,
  httpOrigin,
  proxyEnv,
  proxyRig,
  readAll,
  readBytes,
  readHead,
  useCleanups,
} from './testing/egressFixtures';

const isDecision = (record: EgressRecord): record is EgressDecisionRecord => record.type === 'decision';
const isEnd = (record: EgressRecord): record is EgressEndRecord => record.type === 'end';

describe('the egress proxy', () => {
  const track = useCleanups();

  it('forwards an allowed plain HTTP request, audits the decision and then the bytes', async () => {
    const origin = track(await httpOrigin());
    const rig = track(await proxyRig());
    const url = `http://127.0.0.1:${origin.port}/models?key=secret`;

    const result = await curl(['--data', 'ping', url], proxyEnv(rig.proxyUrl));

    expect(result).toMatchObject({ code: 0, stdout: 'hello POST /models?key=secret ping' });
    expect(rig.decided).toEqual([
      expect.objectContaining({ agent: 'agent-1', kind: 'http', method: 'POST', host: '127.0.0.1', port: origin.port, ip: true, addresses: ['127.0.0.1'], loopback: true, linkLocal: false }),
    ]);
    const decision = await rig.audit.waitFor(isDecision);
    expect(decision).toMatchObject({ agent: 'agent-1', host: '127.0.0.1', port: origin.port, path: '/models', outcome: 'allowed', rule: 'test.allow' });
    const end = await rig.audit.waitFor(isEnd);
    expect(end).toMatchObject({ id: decision.id, outcome: 'completed', address: '127.0.0.1', status: 200 });
    expect(end.bytesUp).toBeGreaterThan('POST /models?key=secret HTTP/1.1\r\n\r\nping'.length);
    expect(end.bytesDown).toBeGreaterThan('hello POST /models?key=secret ping'.length);
    expect(end.error).toBeUndefined();
    // The origin saw a clean request: the target's Host, no proxy headers.
    expect(origin.requests[0]?.headers.host).toBe(`127.0.0.1:${origin.port}`);
    expect(origin.requests[0]?.headers).not.toHaveProperty('proxy-connection');
  });

  it('refuses a host the policy denies with 403 naming the rule, and never connects to it', async () => {
    const denied = track(await httpOrigin());
    const rig = track(await proxyRig({ decide: () => ({ allow: false, rule: 'egress.default', reason: 'not in egress.allow' }) }));

    const result = await curl(['--write-out', '\n%{http_code}', `http://127.0.0.1:${denied.port}/`], proxyEnv(rig.proxyUrl));

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('rule: egress.default');
    expect(result.stdout).toContain('reason: not in egress.allow');
    expect(result.stdout).toMatch(/\n403$/);
    expect(denied.connections).toBe(0);
    expect(rig.audit.items).toEqual([
      expect.objectContaining({ type: 'decision', host: '127.0.0.1', port: denied.port, outcome: 'denied', rule: 'egress.default' }),
    ]);
  });

  it('strips hop-by-hop and Proxy-* headers, and headers named by Connection', async () => {
    const origin = track(await httpOrigin());
    const rig = track(await proxyRig());

    const result = await curl(
      ['-H', 'Proxy-Authorization: Basic c2VjcmV0', '-H', 'Connection: keep-alive, X-Hop', '-H', 'X-Hop: 1', '-H', 'X-Kept: 2', '-H', 'TE: trailers', `http://127.0.0.1:${origin.port}/h`],
      proxyEnv(rig.proxyUrl),
    );

    expect(result.code).toBe(0);
    const headers = origin.requests[0]?.headers ?? {};
    expect(headers['x-kept']).toBe('2');
    for (const name of ['proxy-authorization', 'x-hop', 'te']) expect(headers).not.toHaveProperty(name);
  });

  it('forwards a chunked request body', async () => {
    const origin = track(await httpOrigin());
    const rig = track(await proxyRig());

    const result = await curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', 'streamed', `http://127.0.0.1:${origin.port}/up`], proxyEnv(rig.proxyUrl));

    expect(result).toMatchObject({ code: 0, stdout: 'hello POST /up streamed' });
  });

  it('tunnels an allowed CONNECT (curl --proxytunnel) and audits it as a tunnel', async () => {
    const origin = track(await httpOrigin());
    const rig = track(await proxyRig());

    const result = await curl(['--proxytunnel', `http://127.0.0.1:${origin.port}/through`], proxyEnv(rig.proxyUrl));

    expect(result).toMatchObject({ code: 0, stdout: 'hello GET /through' });
    expect(rig.decided).toEqual([expect.objectContaining({ kind: 'connect', method: 'CONNECT', host: '127.0.0.1', port: origin.port })]);
    const end = await rig.audit.waitFor(isEnd);
    expect(end).toMatchObject({ kind: 'connect', outcome: 'completed', address: '127.0.0.1' });
    expect(end.bytesDown).toBeGreaterThan('hello GET /through'.length);
  });

  it('tunnels raw TCP to an allowed echo server and counts the bytes both ways', async () => {
    const echo = track(await echoOrigin());
    const rig = track(await proxyRig());
    const socket = await connectTo({ path: rig.agent.socketPath });

    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\n\r\n`);
    expect((await readHead(socket)).status).toBe(200);
    socket.write('ping through the tunnel');
    expect(await readBytes(socket, 'ping through the tunnel'.length)).toBe('ping through the tunnel');
    socket.end();

    const end = await rig.audit.waitFor(isEnd);
    expect(end).toMatchObject({ agent: 'agent-1', kind: 'connect', outcome: 'completed', bytesUp: 23, bytesDown: 23 });
    expect(echo.connections).toBe(1);
  });

  it('answers a denied CONNECT with 403 naming the rule, and never connects', async () => {
    const echo = track(await echoOrigin());
    const rig = track(await proxyRig({ decide: () => ({ allow: false, rule: 'egress.loopback', reason: 'loopback targets must be listed explicitly' }) }));
    const socket = await connectTo({ path: rig.agent.socketPath });

    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const answer = await readAll(socket);

    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer).toContain('X-Flightdeck-Egress-Rule: egress.loopback\r\n');
    expect(answer).toContain('rule: egress.loopback\nreason: loopback targets must be listed explicitly');
    expect(echo.connections).toBe(0);
    expect(rig.audit.items).toEqual([expect.objectContaining({ type: 'decision', kind: 'connect', outcome: 'denied', rule: 'egress.loopback' })]);

    const viaCurl = await curl(['--proxytunnel', `http://127.0.0.1:${echo.port}/`], proxyEnv(rig.proxyUrl));
    expect(viaCurl.code).toBe(56);
    expect(viaCurl.stderr).toContain('403');
    expect(echo.connections).toBe(0);
  });

  it('denies when the audit record cannot be written, and connects nowhere', async () => {
    const origin = track(await httpOrigin());
    const rig = track(
      await proxyRig({
        beforeAudit: () => {
          throw new Error('disk full');
        },
      }),
    );

    const plain = await curl(['--write-out', '\n%{http_code}', `http://127.0.0.1:${origin.port}/`], proxyEnv(rig.proxyUrl));
    const tunnelled = await curl(['--proxytunnel', `http://127.0.0.1:${origin.port}/`], proxyEnv(rig.proxyUrl));

    expect(plain.stdout).toMatch(/rule: audit\n[^]*\n403$/);
    expect(tunnelled.code).toBe(56);
    expect(origin.connections).toBe(0);
    expect(rig.logs.join('\n')).toContain('disk full');
  });

  it('denies when the policy throws', async () => {
    const origin = track(await httpOrigin());
    const rig = track(
      await proxyRig({
        decide: () => {
          throw new Error('policy file unreadable');
        },
      }),
    );

    const result = await curl([`http://127.0.0.1:${origin.port}/`], proxyEnv(rig.proxyUrl));

    expect(result.stdout).toContain('rule: egress.error');
    expect(result.stdout).toContain('policy file unreadable');
    expect(origin.connections).toBe(0);
  });

  it('resolves names itself and tells the policy when one resolves to loopback', async () => {
    const origin = track(await httpOrigin());
    const rig = track(await proxyRig());

    const result = await curl([`http://localhost:${origin.port}/named`], proxyEnv(rig.proxyUrl));

    expect(result).toMatchObject({ code: 0, stdout: 'hello GET /named' });
    const [target] = rig.decided;
    expect(target).toMatchObject({ host: 'localhost', ip: false, loopback: true, linkLocal: false });
    expect(target?.addresses.some((address) => address === '127.0.0.1' || address === '::1')).toBe(true);
  });

  it('connects to the address it checked, never looking the name up twice (DNS rebinding)', async () => {
    const origin = track(await httpOrigin());
    const lookups: string[] = [];
    const answers = [['127.0.0.1'], ['169.254.169.254']];
    const rig = track(
      await proxyRig({
        lookup: (host) => {
          lookups.push(host);
          return Promise.resolve(answers[lookups.length - 1] ?? []);
        },
      }),
    );

    const result = await curl([`http://rebind.example:${origin.port}/`], proxyEnv(rig.proxyUrl));

    expect(result).toMatchObject({ code: 0, stdout: 'hello GET /' });
    expect(lookups).toEqual(['rebind.example']);
    expect(origin.requests[0]?.headers.host).toBe(`rebind.example:${origin.port}`);
    expect(await rig.audit.waitFor(isEnd)).toMatchObject({ host: 'rebind.example', address: '127.0.0.1' });
  });

  it('tries the next checked address when one refuses, and reports 502 when none answers', async () => {
    const origin = track(await httpOrigin());
    const nowhere = await closedPort();
    const rig = track(
      await proxyRig({
        lookup: (host) => Promise.resolve(host === 'two.example' ? ['::1', '127.0.0.1'] : ['127.0.0.1']),
      }),
    );

    const second = await curl([`http://two.example:${origin.port}/`], proxyEnv(rig.proxyUrl));
    expect(second).toMatchObject({ code: 0, stdout: 'hello GET /' });

    const refused = await curl(['--write-out', '\n%{http_code}', `http://one.example:${nowhere}/`], proxyEnv(rig.proxyUrl));
    expect(refused.stdout).toMatch(/cannot connect to one\.example:\d+: 127\.0\.0\.1:\d+: ECONNREFUSED[^]*\n502$/);
    const failed = await rig.audit.waitFor((record) => isEnd(record) && record.outcome === 'failed');
    expect(failed).toMatchObject({ host: 'one.example', bytesUp: 0, bytesDown: 0 });

    const socket = await connectTo({ path: rig.agent.socketPath });
    socket.write(`CONNECT 127.0.0.1:${nowhere} HTTP/1.1\r\n\r\n`);
    expect(await readAll(socket)).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n[^]*ECONNREFUSED/);
  });

  it('lets beforeResolve refuse a name before any DNS query leaves the host', async () => {
    const lookups: string[] = [];
    const rig = track(
      await proxyRig({
        beforeResolve: (name) => (name.host.endsWith('.allowed.example') ? undefined : { rule: 'egress.default', reason: `${name.host} matches no rule` }),
        lookup: (host) => {
          lookups.push(host);
          return Promise.resolve(['127.0.0.1']);
        },
      }),
    );

    const result = await curl(['--write-out', '\n%{http_code}', 'http://exfiltrate-this.attacker.example/'], proxyEnv(rig.proxyUrl));

    expect(result.stdout).toMatch(/rule: egress\.default[^]*\n403$/);
    expect(lookups).toEqual([]);
    expect(rig.decided).toEqual([]);
    expect(rig.audit.items).toEqual([expect.objectContaining({ outcome: 'denied', host: 'exfiltrate-this.attacker.example', addresses: [] })]);
  });

  it('decides every request on a keep-alive connection on its own', async () => {
    const allowed = track(await httpOrigin());
    const denied = track(await httpOrigin());
    const rig = track(
      await proxyRig({
        decide: (target) =>
          target.port === allowed.port ? { allow: true, rule: 'egress.allow[0]', reason: 'listed' } : { allow: false, rule: 'egress.default', reason: 'not listed' },
      }),
    );

    const result = await curl(
      ['--write-out', '\n%{http_code} %{num_connects}\n', `http://127.0.0.1:${allowed.port}/first`, `http://127.0.0.1:${denied.port}/second`],
      proxyEnv(rig.proxyUrl),
    );

    // One connection to the proxy (the second transfer made no new connect), two decisions.
    expect(result.stdout).toMatch(/^hello GET \/first\n200 1\n[^]*rule: egress\.default[^]*\n403 0\n$/);
    expect(rig.decided.map((target) => target.port)).toEqual([allowed.port, denied.port]);
    expect(denied.connections).toBe(0);
  });

  it('ends live tunnels when it closes, with their end records written', async () => {
    const echo = track(await echoOrigin());
    const rig = track(await proxyRig());
    const socket = await connectTo({ path: rig.agent.socketPath });
    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\n\r\n`);
    expect((await readHead(socket)).status).toBe(200);
    socket.write('x');
    expect(await readBytes(socket, 1)).toBe('x');

    await rig.proxy.close();

    await closed(socket);
    expect(rig.audit.items.filter(isEnd)).toEqual([expect.objectContaining({ outcome: 'completed', bytesUp: 1, bytesDown: 1 })]);
    expect(() => lstatSync(rig.agent.socketPath)).toThrow();
    await expect(rig.proxy.openAgent('late', join(rig.dir, 'late.sock'))).rejects.toThrow('closed');
  });

  it('drops a client that sends no complete request head in time', async () => {
    const rig = track(await proxyRig({ headTimeoutMs: 100 }));
    const socket = await connectTo({ path: rig.agent.socketPath });
    socket.on('error', () => undefined);
    socket.write('GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n');

    await closed(socket);
    expect(rig.decided).toEqual([]);
  });

  it('refuses connections over the per-agent limit', async () => {
    const rig = track(await proxyRig({ maxConnectionsPerAgent: 1 }));
    const held = await connectTo({ path: rig.agent.socketPath });
    const extra = await connectTo({ path: rig.agent.socketPath });
    extra.on('error', () => undefined);

    await closed(extra);
    expect(held.closed).toBe(false);
    expect(rig.logs.join('\n')).toContain('more than 1 connections at once');
    held.destroy();
  });

  it('refuses request heads over 64 KiB', async () => {
    const rig = track(await proxyRig());
    const socket = await connectTo({ path: rig.agent.socketPath });
    socket.write(`GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`);

    expect(await readAll(socket)).toMatch(/^HTTP\/1\.1 431 /);
    expect(rig.decided).toEqual([]);
  });

  it('answers 400 to requests that are not proxy requests', async () => {
    const rig = track(await proxyRig());
    const origin = await curl(['--write-out', '\n%{http_code}', `${rig.proxyUrl}/not-absolute`]);
    const https = await connectTo({ path: rig.agent.socketPath });
    https.write('GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
    const badConnect = await connectTo({ path: rig.agent.socketPath });
    badConnect.write('CONNECT example.com HTTP/1.1\r\n\r\n');

    expect(origin.stdout).toMatch(/absolute-form[^]*\n400$/);
    expect(await readAll(https)).toMatch(/^HTTP\/1\.1 400 [^]*use CONNECT/);
    expect(await readAll(badConnect)).toMatch(/^HTTP\/1\.1 400 [^]*host:port/);
    expect(rig.decided).toEqual([]);
  });

  it('listens on a 0600 socket, replaces a stale one and refuses to replace anything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-sock-'));
    track({ close: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) });
    const proxy = track(new EgressProxy({ decide: () => ({ allow: false, rule: 'r', reason: 'r' }), audit: () => undefined, log: () => undefined }));
    const path = join(dir, 'a.sock');
    // A socket file left behind by a process that died without closing its server.
    execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    expect(lstatSync(path).isSocket()).toBe(true);

    const handle = await proxy.openAgent('a', path);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    const socket = await connectTo({ path });
    socket.destroy();
    await expect(proxy.openAgent('b', path)).rejects.toThrow('already listens');
    await handle.close();
    expect(() => lstatSync(path)).toThrow();

    writeFileSync(join(dir, 'file'), 'not a socket');
    await expect(proxy.openAgent('c', join(dir, 'file'))).rejects.toThrow('not a socket');
    await expect(proxy.openAgent('c', join(dir, 'missing', 'x.sock'))).rejects.toThrow('does not exist');

    // Closing while a socket is still opening leaves nothing listening behind.
    const opening = proxy.openAgent('d', join(dir, 'd.sock'));
    await proxy.close();
    await expect(opening).rejects.toThrow('closed while');
    expect(() => lstatSync(join(dir, 'd.sock'))).toThrow();
  });
});
