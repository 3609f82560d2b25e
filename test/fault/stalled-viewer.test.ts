import type { Client } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalKey } from '../../common/app/api';
import type { HostStats, ViewerEvent } from '../../common/protocol/methods';
import { connectSsh2 } from '../bench/ssh';
import { execSshBridge, hello, type HostPeer } from '../integration/agent-host/client';
import { TerminalCollector, collectingClient } from './collect';
import { deferred, openFaultWorld, type FaultWorld } from './world';

const HIGH_WATERMARK = 256 * 1024;
// About 1 MB/s: far more than the window, without starving a 2-core machine.
const LOAD = `$| = 1; my $line = ("x" x 99) . "\n"; while (1) { print $line x 655; select(undef, undef, undef, 0.05) }`;

describe('fault: a viewer stops acking', () => {
  let fault: FaultWorld | undefined;
  let ssh: Client | undefined;
  let inspector: HostPeer | undefined;

  afterEach(async () => {
    inspector?.close();
    ssh?.end();
    await fault?.cleanup();
  });

  it('keeps the daemon\'s buffer for it under the watermark while the agent prints on, and reports it stalled', async () => {
    fault = await openFaultWorld({ daemonFlags: ['--high-watermark', String(HIGH_WATERMARK), '--stall-timeout-ms', '500'] });
    const { core, hostDir, sshd } = fault;
    await core.addHost({ name: 'vm', target: 'vm', hostDir });

    // A UI client whose renderer froze: it receives output but never acks.
    const stalled = deferred<ViewerEvent>();
    let silentBytes = 0;
    // A viewer that lags too far behind the journal is detached and re-attached at a snapshot: each attach may fill one window.
    let silentAttaches = 1;
    const silent = core.openClient({
      notify: (method, params) => {
        if (method !== 'terminal.viewer') return;
        const { event } = params as { event: ViewerEvent | { sessionId: string; state: 'reattached'; streamFrom: number } };
        if (event.state === 'stalled') stalled.resolve(event);
        if (event.state === 'reattached') silentAttaches += 1;
      },
      output: (_key, _offset, data) => {
        silentBytes += data.length;
      },
    });
    // A healthy client on the same session, acking as it renders.
    const collector = new TerminalCollector({ strictStart: false });
    const healthy = collectingClient(core, collector);

    const { session } = await healthy.request('sessions.start', { host: 'vm', spec: { command: 'perl', args: ['-e', LOAD] } });
    await silent.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    await healthy.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });

    const event = await stalled.promise;
    expect(event.sessionId).toBe(session.id);
    expect(event.sentOffset - event.ackedOffset).toBeGreaterThan(0);
    expect(event.sentOffset - event.ackedOffset).toBeLessThanOrEqual(HIGH_WATERMARK);

    // The daemon's own view, asked over a separate bridge.
    ssh = await connectSsh2(sshd);
    inspector = (await execSshBridge(ssh, { stateDir: hostDir })).peer;
    await hello(inspector, 'inspector@laptop');
    // Every viewer of the session, the silent one included, is held to the window; the silent one is reported stalled.
    const check = (stats: HostStats) => {
      const viewers = stats.viewers.filter((viewer) => viewer.sessionId === session.id);
      expect(viewers).toHaveLength(2);
      for (const viewer of viewers) {
        expect(viewer.sentOffset - viewer.ackedOffset).toBeLessThanOrEqual(HIGH_WATERMARK);
        expect(viewer.bufferedBytes).toBeLessThanOrEqual(HIGH_WATERMARK);
      }
      expect(viewers.filter((viewer) => viewer.stalled)).toHaveLength(1);
    };
    check(await inspector.request('host.stats', {}));

    // The agent keeps printing and the healthy viewer keeps receiving, far past the silent viewer's window.
    const key = terminalKey('vm', session.id);
    const target = collector.size(key) + 8 * HIGH_WATERMARK;
    await collector.until(key, (stream) => stream.size > target);
    check(await inspector.request('host.stats', {}));
    expect(silentBytes).toBeLessThanOrEqual(silentAttaches * HIGH_WATERMARK);
    const { sessions } = await inspector.request('session.list', {});
    expect(sessions.find((info) => info.id === session.id)!.endOffset).toBeGreaterThan(target);
    expect(collector.failure).toBeUndefined();

    await healthy.request('sessions.kill', { host: 'vm', sessionId: session.id });
  });
});
