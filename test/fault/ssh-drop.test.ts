import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../common/app/hosts';
import { writeThroughputFile } from '../bench/fixtures';
import { deferred, openFaultWorld, type FaultWorld } from './world';

const OUTPUT_BYTES = 10 * 1024 * 1024;
const KILL_AFTER_BYTES = 1024 * 1024;

describe('fault: the SSH connection drops mid-stream', () => {
  let fault: FaultWorld | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await fault?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reconnects without user action and delivers the 10 MB output exactly (same sha256, no gap, no duplicate)', async () => {
    // Retention above the output: the host may keep every byte while no viewer is connected, so exactness is owed.
    fault = await openFaultWorld({ daemonFlags: ['--retention-bytes', String(64 * 1024 * 1024)] });
    dir = await mkdtemp(join(tmpdir(), 'flightdeck-fault-'));
    const file = await writeThroughputFile(dir, OUTPUT_BYTES);
    const { core, sshd, hostDir } = fault;
    await core.addHost({ name: 'vm', target: 'vm', hostDir });

    const states: ConnectionState[] = [];
    const hash = createHash('sha256');
    let next = 0;
    let received = 0;
    let receivedAtKill = -1;
    const killed = deferred();
    const complete = deferred();
    const reattached = deferred();
    const reconnected = deferred();
    const client = core.openClient({
      notify: (method, params) => {
        if (method === 'hosts.changed') {
          states.push((params as { host: { state: ConnectionState } }).host.state);
          if (states.includes('reconnecting') && states.at(-1) === 'connected') reconnected.resolve();
        }
        if (method === 'terminal.viewer' && (params as { event: { state: string } }).event.state === 'reattached') reattached.resolve();
      },
      output: (key, offset, data) => {
        if (offset !== next) complete.reject(new Error(`output at ${offset}, expected ${next}`));
        next = offset + data.length;
        received += data.length;
        hash.update(data);
        client.ack(key, next);
        if (receivedAtKill < 0 && received >= KILL_AFTER_BYTES) {
          receivedAtKill = received;
          // Killing the per-connection sshd drops the TCP connection under the client, as a network cut does.
          for (const pid of sshd.childPids()) process.kill(pid, 'SIGKILL');
          killed.resolve();
        }
        if (received >= file.expectedBytes) complete.resolve();
      },
    });
    // The session stays alive after cat: this test is about the connection, not about the process exiting.
    const { session } = await client.request('sessions.start', {
      host: 'vm',
      spec: { command: 'sh', args: ['-c', 'cat "$1"; exec sleep 600', 'sh', file.path] },
    });
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });

    await killed.promise;
    await reattached.promise;
    await complete.promise;
    await reconnected.promise;

    expect(receivedAtKill).toBeGreaterThan(0);
    expect(receivedAtKill).toBeLessThan(file.expectedBytes);
    expect(received).toBe(file.expectedBytes);
    expect(hash.digest('hex')).toBe(file.expectedSha256);
    expect(states).toContain('reconnecting');
    await client.request('sessions.kill', { host: 'vm', sessionId: session.id });
  });
});
