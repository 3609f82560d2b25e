import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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
    expect((await fetch(`${origin}/..%2fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${origin}/%2e%2e/secret.txt`)).status).toBe(404);
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
