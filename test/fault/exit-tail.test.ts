import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalKey } from '../../common/app/api';
import { writeThroughputFile } from '../bench/fixtures';
import { TerminalCollector, collectingClient } from './collect';
import { openFaultWorld, type FaultWorld } from './world';

describe('fault: a process exits with output still in its PTY', () => {
  let fault: FaultWorld | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await fault?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('journals and delivers every byte it printed before exiting', async () => {
    fault = await openFaultWorld({ daemonFlags: ['--retention-bytes', String(64 * 1024 * 1024)] });
    dir = await mkdtemp(join(tmpdir(), 'flightdeck-fault-'));
    const file = await writeThroughputFile(dir, 3 * 1024 * 1024);
    const { core, hostDir } = fault;
    await core.addHost({ name: 'vm', target: 'vm', hostDir });
    const collector = new TerminalCollector();
    const client = collectingClient(core, collector);
    // cat is the session leader: it exits the moment its last write returns, with the tail still buffered in the PTY.
    const { session } = await client.request('sessions.start', { host: 'vm', spec: { command: 'cat', args: [file.path] } });
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    const key = terminalKey('vm', session.id);
    await collector.until(key, (stream) => stream.ended);

    const received = collector.bytes(key);
    expect(collector.failure).toBeUndefined();
    expect(received.length).toBe(file.expectedBytes);
    expect(createHash('sha256').update(received).digest('hex')).toBe(file.expectedSha256);
  });
});
