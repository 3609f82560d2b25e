import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { appApi } from '../../common/app/api';
import { RpcPeer } from '../../common/wire/peer';
import { BaseTransport } from '../../common/wire/transport';
import { FleetCore, serveAppTransport } from '../core';
import { startWebServer, type WebServer } from './server';

/** A Node-side client transport over `ws`, as a browser's would be. */
class ClientTransport extends BaseTransport {
  constructor(private readonly socket: WebSocket) {
    super();
    socket.on('message', (data: Buffer) => this.deliver(new Uint8Array(data)));
    socket.on('close', () => this.finish());
  }
  write(bytes: Uint8Array): boolean {
    this.socket.send(bytes);
    return true;
  }
  protected shutdown(): void {
    this.socket.close();
  }
}

/** Resolves with the socket once open, or with the HTTP status the server refused the upgrade with. */
function dial(url: string, origin?: string): Promise<{ socket: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, origin ? { origin } : {});
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => resolve({ status: response.statusCode ?? 0 }));
    socket.once('error', () => resolve({ status: -1 }));
  });
}

/**
 * Sends a GET whose request-target goes on the wire byte for byte (fetch and http.request would resolve
 * dot segments and backslashes first, so the server would never see them), and returns status and body.
 */
function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      if (!status) return reject(new Error(`not an HTTP response to ${target}: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ status: Number(status[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    // write, not end: a half-closed socket makes the server drop the request unanswered; Connection: close ends it.
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

describe('browser-mode server', () => {
  let dir: string;
  let core: FleetCore;
  let server: WebServer;
  let origin: string;
  let wsUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fd-web-'));
    await mkdir(join(dir, 'renderer/assets'), { recursive: true });
    await writeFile(join(dir, 'renderer/index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'renderer/assets/app.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'do not serve');
    // A sibling whose name starts with the renderer dir's: a prefix check without the separator would let it out.
    await mkdir(join(dir, 'renderer-other'));
    await writeFile(join(dir, 'renderer-other/leak.txt'), 'do not serve either');
    core = FleetCore.open({ home: join(dir, 'home'), clientName: 'flightdeck-test' });
    server = await startWebServer({ rendererDir: join(dir, 'renderer'), serve: (transport) => void serveAppTransport(core, transport) });
    origin = `http://127.0.0.1:${server.port}`;
    wsUrl = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
  });

  afterAll(async () => {
    await server?.close();
    core?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a URL on 127.0.0.1 carrying a long random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves the renderer with the CSP, and nothing outside it', async () => {
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect((await fetch(`${origin}/assets/app.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('refuses every path that climbs out of the renderer dir, as sent on the wire', async () => {
    // The raw client reaches files: the refusals below are the server's doing.
    expect(await rawGet(server.port, '/assets/app.js')).toMatchObject({ status: 200, body: 'console.log(1)' });
    const up = (n: number, slash: string) => '..'.concat(slash).repeat(n);
    const secretFromRoot = join(dir, 'secret.txt').slice(1);
    const targets = [
      '/../secret.txt',
      '/../../../../../../etc/passwd',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      `/${up(12, '%2f')}etc%2fpasswd`,
      `/${up(12, '%2f')}${encodeURIComponent(secretFromRoot)}`,
      `/${up(12, '/')}${secretFromRoot}`,
      '/..%2frenderer-other%2fleak.txt',
      '/..\\secret.txt',
      '/..\\..\\..\\..\\..\\..\\etc\\passwd',
      '/..%5csecret.txt',
      '/%2e%2e%5csecret.txt',
      '/%252e%252e%252fsecret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%2fetc%2fpasswd',
      '//etc/passwd',
      `/%2f${encodeURIComponent(secretFromRoot)}`,
      '/index.html%00/../../secret.txt',
      `http://127.0.0.1:${server.port}/..%2fsecret.txt`,
    ];
    for (const target of targets) {
      const { status, body } = await rawGet(server.port, target);
      expect({ target, refused: status === 400 || status === 404 }).toEqual({ target, refused: true });
      expect(body).not.toMatch(/do not serve|root:x?:0:0/);
    }
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      request({ host: '127.0.0.1', port: server.port, path: '/', headers: { host: `evil.example:${server.port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).end();
    });
    expect(status).toBe(421);
  });

  it('refuses sockets without the token, with a wrong token, or from another origin', async () => {
    expect(await dial(`ws://127.0.0.1:${server.port}/ws`, origin)).toEqual({ status: 401 });
    expect(await dial(`ws://127.0.0.1:${server.port}/ws?token=${'0'.repeat(64)}`, origin)).toEqual({ status: 401 });
    expect(await dial(`ws://127.0.0.1:${server.port}/ws?token=${server.token.slice(1)}`, origin)).toEqual({ status: 401 });
    expect(await dial(wsUrl, 'https://evil.example')).toEqual({ status: 403 });
    expect(await dial(wsUrl, `http://127.0.0.1:${server.port + 1}`)).toEqual({ status: 403 });
    expect(await dial(wsUrl)).toEqual({ status: 403 });
    expect(server.connections()).toBe(0);
  });

  it('serves the AppApi of the real core to the right origin with the token', async () => {
    const dialed = await dial(wsUrl, origin);
    expect('socket' in dialed).toBe(true);
    if (!('socket' in dialed)) return;
    const peer = new RpcPeer(appApi, new ClientTransport(dialed.socket), { requestTimeoutMs: 10_000 });
    const { hosts } = await peer.request('hosts.list', {});
    expect(Array.isArray(hosts)).toBe(true);
    await expect(peer.request('hosts.remove', { name: '../../etc' })).rejects.toThrow(/host names are/);
    peer.close();
  });
});
