// The lane the app keeps to a host's daemon: straight to the daemon's socket where sshd lets a channel reach it (no
// bridge process on every byte), through the bridge where it does not; the same daemon and the same bytes either way.
import { readdirSync, readFileSync } from 'node:fs';
import type ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostProtocol } from '../../common/protocol/methods';
import type { RpcPeer } from '../../common/wire/peer';
import { remoteLayout } from '../../main/fleet/bootstrap';
import { openLane, type Lane } from '../../main/fleet/lane';
import { LocalLink, SshLink, type Link } from '../../main/fleet/link';
import { shellQuote } from '../../main/fleet/remoteExec';
import { startSshd, type Sshd } from '../harness/sshd';
import { AGENT_HOST_BUNDLE, waitFor } from './agent-host/client';
import { StateDirs } from './agent-host/fixture';
import { connectRaw } from './fleet/rawSsh';

const CLIENT = { name: 'flightdeck-test', version: '0.0.0', user: 'tester@laptop' };

/** Bridge processes serving `stateDir` (the bridge is sshd's child or the link's: its exit can only be polled). */
function bridgesOf(stateDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv.includes('bridge') && argv.includes(stateDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A keystroke typed into `cat` comes back as its echo on the lane. */
async function echoes(peer: RpcPeer<HostProtocol>): Promise<string> {
  const { session } = await peer.request('session.start', { command: 'cat', cols: 80, rows: 24, name: 'echo' });
  let output = '';
  const echoed = new Promise<void>((resolve) =>
    peer.onOutput((frame) => {
      output += Buffer.from(frame.data).toString('utf8');
      if (output.includes('typed')) resolve();
    }),
  );
  await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
  peer.sendInput(session.id, new TextEncoder().encode('typed'));
  await echoed;
  await peer.request('session.kill', { sessionId: session.id });
  return output;
}

describe('lanes to the daemon', { timeout: 60_000 }, () => {
  const dirs = new StateDirs();
  let sshd: Sshd | undefined;
  let client: ssh2.Client | undefined;
  let link: Link | undefined;
  let lane: Lane | undefined;

  afterEach(async () => {
    lane?.close();
    link?.close();
    client?.end();
    await sshd?.stop();
    await dirs.cleanup();
    sshd = client = link = lane = undefined;
  });

  const sshLink = (live: ssh2.Client, stateDir: string): SshLink =>
    new SshLink({ client: live, hops: [live], close: () => live.end() }, remoteLayout(stateDir, 'test'), 'vm', [process.execPath, AGENT_HOST_BUNDLE, 'bridge', '--state-dir', stateDir].map(shellQuote).join(' '));

  it('moves onto the daemon socket over a direct-streamlocal channel; the bridge it came through exits', async () => {
    sshd = await startSshd();
    client = await connectRaw(sshd);
    const stateDir = await dirs.make();
    link = sshLink(client, stateDir);
    lane = await openLane(link, CLIENT);
    expect(lane.direct).toBe(true);
    expect(lane.hello.directSocket).toBe(`${stateDir}/agent-host.sock`);
    expect(await echoes(lane.peer)).toContain('typed');
    await waitFor(() => bridgesOf(stateDir).length === 0, 'the bridge to exit once the lane left it', 10_000);
    const { clients } = await lane.peer.request('host.stats', {});
    expect(clients).toBe(1);
  });

  it('stays on the bridge where sshd forbids forwarding, and works the same', async () => {
    sshd = await startSshd({ hardened: true });
    client = await connectRaw(sshd);
    const stateDir = await dirs.make();
    link = sshLink(client, stateDir);
    lane = await openLane(link, CLIENT);
    expect(lane.direct).toBe(false);
    expect(await echoes(lane.peer)).toContain('typed');
    expect(bridgesOf(stateDir)).toHaveLength(1);
  });

  it('moves onto the socket for the embedded local host as well', async () => {
    const stateDir = await dirs.make();
    link = new LocalLink({ file: AGENT_HOST_BUNDLE, bridgeFile: null }, stateDir);
    lane = await openLane(link, CLIENT);
    expect(lane.direct).toBe(true);
    expect(await echoes(lane.peer)).toContain('typed');
    await waitFor(() => bridgesOf(stateDir).length === 0, 'the local bridge to exit once the lane left it', 10_000);
  });
});
