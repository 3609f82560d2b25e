import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appApi, terminalKey } from '../../common/app/api';
import { WireErrorCode } from '../../common/wire/errors';
import { RpcPeer } from '../../common/wire/peer';
import { createMemoryTransportPair } from '../../common/wire/transport';
import { FleetCore } from '../../main/core/fleetCore';
import { serveAppTransport } from '../../main/core/serveAppTransport';
import { makeWorld, stopDaemon, type FleetWorld } from './fleet/env';

describe('the AppApi served over a transport, with the embedded local host', () => {
  let world: FleetWorld;
  let core: FleetCore;

  beforeEach(async () => {
    world = await makeWorld();
    core = FleetCore.open({ home: world.home, clientName: 'fleet-app-test' });
  });

  afterEach(async () => {
    core.close();
    await stopDaemon(join(world.home, 'local-host'));
    await world.cleanup();
  });

  it('lists the local host, starts a session on it and streams its bytes as OUTPUT frames keyed host~session', async () => {
    const [serverSide, uiSide] = createMemoryTransportPair();
    serveAppTransport(core, serverSide);
    const ui = new RpcPeer(appApi, uiSide, { requestTimeoutMs: 30_000 });
    const states: string[] = [];
    ui.onNotification('hosts.changed', ({ host }) => states.push(host.state));

    const { hosts } = await ui.request('hosts.list', {});
    expect(hosts.map((host) => [host.name, host.kind, host.state])).toEqual([['local', 'local', 'disconnected']]);

    const invalid = await ui.request('sessions.start', { host: 'local', spec: { command: '' } }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ code: WireErrorCode.InvalidParams });
    const unknownHost = await ui.request('sessions.kill', { host: 'nowhere', sessionId: 'x' }).catch((error: unknown) => error);
    expect(unknownHost).toMatchObject({ message: expect.stringContaining('no host named "nowhere"'), data: { code: 'host-not-found' } });

    const { session } = await ui.request('sessions.start', {
      host: 'local',
      spec: { command: 'sh', args: ['-c', 'printf "local %s\\n" works'], name: 'hello' },
    });
    expect(states).toContain('connected');

    const key = terminalKey('local', session.id);
    let text = '';
    let next = 0;
    const ended = new Promise<void>((resolve) => {
      ui.onNotification('terminal.viewer', ({ event }) => {
        if (event.sessionId === session.id && event.state === 'ended') resolve();
      });
    });
    ui.onOutput((frame) => {
      expect(frame.sessionId).toBe(key);
      expect(frame.offset).toBe(next);
      next += frame.data.length;
      text += new TextDecoder().decode(frame.data);
      ui.sendAck(key, next);
    });
    const attached = await ui.request('terminal.attach', { host: 'local', sessionId: session.id, fromOffset: 0 });
    expect(attached.streamFrom).toBe(0);
    await ended;
    expect(text).toBe('local works\r\n');
  });
});
