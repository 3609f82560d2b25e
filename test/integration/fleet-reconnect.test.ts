import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../common/app/hosts';
import { FleetCore } from '../../main/core/fleetCore';
import { startSshd, type Sshd } from '../harness/sshd';
import { makeWorld, stopDaemon, type FleetWorld } from './fleet/env';

/** The core reads its SSH environment from the process, as the desktop app and the CLI do. */
function useWorldEnvironment(world: FleetWorld): void {
  for (const name of ['FLIGHTDECK_SSH_CONFIG', 'FLIGHTDECK_KNOWN_HOSTS', 'FLIGHTDECK_AGENT_HOST_NODE_MODULES', 'SSH_AUTH_SOCK']) {
    process.env[name] = world.env[name];
  }
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('FleetCore reconnect', { timeout: 120_000 }, () => {
  let sshd: Sshd;
  let world: FleetWorld;
  let core: FleetCore | undefined;
  let hostDir: string;

  beforeEach(async () => {
    sshd = await startSshd({ hardened: true });
    world = await makeWorld();
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    useWorldEnvironment(world);
    hostDir = world.hostDir('vm');
  });

  afterEach(async () => {
    core?.close();
    await stopDaemon(hostDir);
    await world.cleanup();
    await sshd.stop();
  });

  // Every client's views ride the host's one channel (the core no longer has a per-client bridge to choose).
  it('survives the sshd child being killed mid-stream: reconnects by itself and delivers every byte exactly once', async () => {
    core = FleetCore.open({ home: world.home, clientName: 'fleet-reconnect-test' });
    const connectStarted = performance.now();
    const host = await core.addHost({ name: 'vm', target: 'vm', hostDir });
    const connectMs = performance.now() - connectStarted;
    expect(host.state, host.error ?? undefined).toBe('connected');

    const lines = 400;
    // The per-line pause spreads the output over time so the kill lands mid-stream; the process exits right
    // after its last line (the daemon drains the PTY's tail itself: test/fault/exit-tail.test.ts).
    const script = `for i in $(seq 1 ${lines}); do echo "line $i of the agent's work"; sleep 0.01; done`;
    const expected = Array.from({ length: lines }, (_, i) => `line ${i + 1} of the agent's work\r\n`).join('');

    const states: { state: ConnectionState; at: number }[] = [];
    const chunks: Buffer[] = [];
    let nextOffset = 0;
    let received = 0;
    const enough = deferred();
    const reattached = deferred<number>();
    const ended = deferred();
    const client = core.openClient({
      notify: (method, params) => {
        if (method === 'hosts.changed') {
          const { host: view } = params as { host: { name: string; state: ConnectionState } };
          if (view.name === 'vm') states.push({ state: view.state, at: performance.now() });
        }
        if (method === 'terminal.viewer') {
          const { event } = params as { event: { state: string; streamFrom?: number } };
          if (event.state === 'reattached') reattached.resolve(performance.now());
          if (event.state === 'ended') ended.resolve();
        }
      },
      output: (key, offset, data) => {
        // The core promises contiguous, duplicate-free output: check it at the consumer.
        expect(offset).toBe(nextOffset);
        nextOffset = offset + data.length;
        chunks.push(Buffer.from(data));
        received += data.length;
        client.ack(key, nextOffset);
        if (received > 2_000) enough.resolve();
      },
    });
    const { session } = await client.request('sessions.start', { host: 'vm', spec: { command: 'sh', args: ['-c', script] } });
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });

    await enough.promise;
    const victims = sshd.childPids();
    expect(victims.length).toBeGreaterThan(0);
    const killedAt = performance.now();
    for (const pid of victims) process.kill(pid, 'SIGKILL');

    const reattachedAt = await reattached.promise;
    await ended.promise;

    const output = Buffer.concat(chunks).toString('utf8');
    expect(output).toBe(expected);
    expect(states.map((entry) => entry.state)).toContain('reconnecting');
    expect(states.at(-1)?.state).toBe('connected');
    // The bytes before the kill were only part of the stream: the copy really spans the reconnect.
    expect(received).toBe(Buffer.byteLength(expected));
    console.log(
      `[measure] SSH connect+bootstrap+handshake ${connectMs.toFixed(0)} ms; after killing the sshd child: ` +
        `re-attached in ${(reattachedAt - killedAt).toFixed(0)} ms; ${received} bytes byte-exact`,
    );
  });
});

describe('FleetCore streaming', { timeout: 120_000 }, () => {
  let sshd: Sshd;
  let world: FleetWorld;
  let core: FleetCore | undefined;
  let hostDir: string;

  beforeEach(async () => {
    sshd = await startSshd({ hardened: true });
    world = await makeWorld();
    await world.writeSshConfig(sshd.sshConfigEntry('vm'));
    await writeFile(world.knownHostsPath, `${sshd.knownHostsLine}\n`);
    useWorldEnvironment(world);
    hostDir = world.hostDir('vm');
  });

  afterEach(async () => {
    core?.close();
    await stopDaemon(hostDir);
    await world.cleanup();
    await sshd.stop();
  });

  it('streams several MiB through SSH under flow control, contiguous and complete', async () => {
    core = FleetCore.open({ home: world.home, clientName: 'fleet-throughput-test' });
    const added = await core.addHost({ name: 'vm', target: 'vm', hostDir });
    expect(added.state, added.error ?? undefined).toBe('connected');
    const lines = 60_000;
    const line = (i: number): string => `${String(i).padStart(8, '0')} ${'x'.repeat(90)}\r\n`;
    let received = 0;
    let nextOffset = 0;
    let mismatch: string | null = null;
    let pending = '';
    let checked = 1;
    const ended = deferred();
    let firstByteAt = 0;
    const client = core.openClient({
      notify: (method, params) => {
        const event = (params as { event?: { state?: string } }).event;
        if (method === 'terminal.viewer' && event?.state === 'ended') ended.resolve();
      },
      output: (key, offset, data) => {
        if (offset !== nextOffset) mismatch ??= `offset ${offset}, expected ${nextOffset}`;
        firstByteAt ||= performance.now();
        nextOffset = offset + data.length;
        received += data.length;
        pending += Buffer.from(data).toString('latin1');
        const complete = pending.lastIndexOf('\n') + 1;
        for (const text of pending.slice(0, complete).split('\r\n').slice(0, -1)) {
          if (`${text}\r\n` !== line(checked)) mismatch ??= `line ${checked}: ${JSON.stringify(text)}`;
          checked++;
        }
        pending = pending.slice(complete);
        client.ack(key, nextOffset);
      },
    });
    const script = `i=1; while [ $i -le ${lines} ]; do printf '%08d %s\\n' $i ${'x'.repeat(90)}; i=$((i+1)); done`;
    const { session } = await client.request('sessions.start', { host: 'vm', spec: { command: 'sh', args: ['-c', script] } });
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    await ended.promise;
    const seconds = (performance.now() - firstByteAt) / 1000;
    const { sessions } = await (await core.host('vm').lane()).peer.request('session.list', {});
    // Everything the journal holds reached the consumer.
    expect(sessions.find((candidate) => candidate.id === session.id)?.endOffset).toBe(received);
    expect(mismatch).toBeNull();
    // Every line the process printed arrived, whole and in order, up to the last one it printed as it exited.
    expect(received).toBe(lines * line(1).length);
    expect(checked - 1).toBe(lines);
    expect(pending).toBe('');
    console.log(`[measure] ${(received / 1048576).toFixed(1)} MiB of session output over SSH in ${seconds.toFixed(2)} s (${(received / 1048576 / seconds).toFixed(1)} MiB/s, bounded by the producer)`);
  });

  it('replays a finished session from the journal at full speed', async () => {
    core = FleetCore.open({ home: world.home, clientName: 'fleet-replay-test' });
    const added = await core.addHost({ name: 'vm', target: 'vm', hostDir });
    expect(added.state, added.error ?? undefined).toBe('connected');
    const bytes = 8 * 1024 * 1024;
    const lane = await core.host('vm').lane();
    const { session } = await lane.peer.request('session.start', { command: 'sh', args: ['-c', `head -c ${bytes} /dev/zero | tr '\\0' 'y'`] });
    const exited = deferred();
    lane.peer.onNotification('session.event', (event) => {
      if (event.session.id === session.id && event.type === 'exited') exited.resolve();
    });
    await exited.promise;
    let received = 0;
    let ys = 0;
    const ended = deferred();
    const client = core.openClient({
      notify: (method, params) => {
        const event = (params as { event?: { state?: string } }).event;
        if (method === 'terminal.viewer' && event?.state === 'ended') ended.resolve();
      },
      output: (key, offset, data) => {
        received += data.length;
        for (const byte of data) if (byte === 0x79) ys++;
        client.ack(key, offset + data.length);
      },
    });
    const started = performance.now();
    await client.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    await ended.promise;
    const seconds = (performance.now() - started) / 1000;
    const { sessions } = await lane.peer.request('session.list', {});
    expect(sessions.find((candidate) => candidate.id === session.id)?.endOffset).toBe(received);
    // Every byte the process printed was journaled and arrived intact.
    expect(received).toBe(bytes);
    expect(ys).toBe(bytes);
    console.log(`[measure] journal replay over SSH: ${(received / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s (${(received / 1048576 / seconds).toFixed(1)} MiB/s)`);
  });
});

describe('FleetCore retry schedule', { timeout: 120_000 }, () => {
  let world: FleetWorld;
  let core: FleetCore | undefined;

  beforeEach(async () => {
    world = await makeWorld();
    useWorldEnvironment(world);
  });

  afterEach(async () => {
    core?.close();
    await world.cleanup();
  });

  it('backs off with jitter against a dead host, shows when it retries, and never loops tightly', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    core = FleetCore.open({ home: world.home, clientName: 'fleet-backoff-test' });
    const attempts: number[] = [];
    const waits: { attempt: number; delay: number }[] = [];
    const threeRetries = deferred();
    core.onEvent((event) => {
      if (event.type !== 'hosts.changed' || event.host.name !== 'dead') return;
      if (event.host.state === 'reconnecting' && event.host.retryAt === null) attempts.push(performance.now());
      if (event.host.state === 'reconnecting' && event.host.retryAt !== null) {
        expect(event.host.error).toContain('ECONNREFUSED');
        waits.push({ attempt: event.host.attempt, delay: event.host.retryAt - Date.now() });
        if (waits.length === 4) threeRetries.resolve();
      }
    });
    const view = await core.addHost({ name: 'dead', target: `root@127.0.0.1:${port}` });
    expect(view.state).toBe('reconnecting');
    await threeRetries.promise;
    core.close();
    core = undefined;

    expect(waits.map((wait) => wait.attempt)).toEqual([1, 2, 3, 4]);
    for (const [index, wait] of waits.entries()) {
      expect(wait.delay).toBeGreaterThanOrEqual(200);
      expect(wait.delay).toBeLessThanOrEqual(500 * 2 ** index + 50);
    }
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]! - attempts[i - 1]!).toBeGreaterThanOrEqual(240);
  });
});
