import { PROTOCOL_VERSION } from '../../../common/protocol/version';
import { createHash } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../../common/wire/errors';
import { hello, OutputCollector, spawnLocalBridge, waitFor, type LocalBridge } from './client';
import { Bridges, emitCommand, isAlive, StateDirs, type Via } from './fixture';
import { expectedBytes } from './fixtures/emit.mjs';

const dirs = new StateDirs();
const bridges: LocalBridge[] = [];

function bridge(stateDir: string, args: string[] = []): LocalBridge {
  const local = spawnLocalBridge({ stateDir, args });
  bridges.push(local);
  return local;
}

const remote = new Bridges();
afterAll(() => remote.stop());

afterEach(async () => {
  remote.close();
  for (const local of bridges.splice(0)) {
    local.peer.close();
    local.child.kill();
  }
  await dirs.cleanup();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function rejection(promise: Promise<unknown>): Promise<WireError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WireError);
  return error as WireError;
}

describe('agent-host sessions through a local bridge', () => {
  it('runs bash, echoes typed input, and derives a waiting-for-input status at the prompt', async () => {
    const { peer } = bridge(await dirs.make());
    await hello(peer);
    const statuses: string[] = [];
    peer.onNotification('session.event', (event) => statuses.push(event.session.status));
    const { session } = await peer.request('session.start', {
      command: 'bash',
      args: ['--norc', '--noprofile', '-i'],
      env: { PS1: 'ready$ ' },
    });
    // Listen before attaching: OUTPUT frames may arrive in the same read as the attach reply.
    const output = new OutputCollector(peer, session.id, 0);
    const attached = await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    expect(attached.streamFrom).toBe(0);
    await output.untilText('ready$ ');
    // Half as RPC text, half as a raw INPUT frame.
    await peer.request('session.input', { sessionId: session.id, data: 'echo one' });
    peer.sendInput(session.id, new TextEncoder().encode('$((40+2))\r'));
    await output.untilText('one42\r\n');
    await waitFor(() => statuses.at(-1) === 'waiting-for-input', 'a waiting-for-input event', 5000);
    const list = await peer.request('session.list', {});
    expect(list.sessions.find((s) => s.id === session.id)?.status).toBe('waiting-for-input');
  });

  it.each<Via>(['ssh', 'local'])('gives a byte-exact copy of several MB from offset 0, the same to a second viewer, and a snapshot attach (via %s)', async (via) => {
    const total = 6 * 1024 * 1024;
    const stateDir = await dirs.make();
    const { peer } = await remote.open(via, stateDir);
    await hello(peer);
    const started = Date.now();
    const { session } = await peer.request('session.start', { ...emitCommand(total) });
    const live = new OutputCollector(peer, session.id, 0);
    await peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    await live.until((c) => c.next >= total, 30_000, `${total} bytes`);
    const elapsed = Date.now() - started;
    const expected = sha256(expectedBytes(total));
    expect(live.sha256()).toBe(expected);

    // A second client attaching from 0 afterwards replays the journal: the same bytes.
    const second = (await remote.open(via, stateDir)).peer;
    await hello(second, 'other@laptop');
    const attachStart = performance.now();
    const replay = new OutputCollector(second, session.id, 0);
    const result = await second.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    expect(result.snapshot).toBeNull();
    await replay.until((c) => c.next >= total, 30_000);
    const replayMs = performance.now() - attachStart;
    expect(replay.sha256()).toBe(expected);

    // fromOffset null: the current screen instead of megabytes, then live from its offset.
    const snapStart = performance.now();
    const snap = await second.request('session.attach', { sessionId: session.id, fromOffset: null });
    const snapshotMs = performance.now() - snapStart;
    expect(snap.snapshot).not.toBeNull();
    expect(snap.streamFrom).toBe(snap.snapshot!.offset);
    expect(snap.snapshot!.offset).toBe(total);
    // The screen ends with the last line the emitter printed.
    const lastLine = new TextDecoder().decode(expectedBytes(total)).split('\n').at(-1)!;
    expect(snap.snapshot!.data).toContain(lastLine.slice(0, 20));
    console.log(
      `[agent-host perf via ${via}] ${(total / 1024 / 1024).toFixed(0)} MiB emitted+journaled+streamed in ${elapsed} ms ` +
        `(${(total / 1024 / 1024 / (elapsed / 1000)).toFixed(1)} MiB/s); replay attach from 0: ${replayMs.toFixed(0)} ms; ` +
        `snapshot attach: ${snapshotMs.toFixed(1)} ms`,
    );
  });

  it('names what is missing when the command or the cwd does not exist', async () => {
    const { peer } = bridge(await dirs.make());
    await hello(peer);
    const noCommand = await rejection(peer.request('session.start', { command: 'no-such-agent-cli' }));
    expect(noCommand.code).toBe(WireErrorCode.CommandNotFound);
    expect(noCommand.message).toContain('no-such-agent-cli');
    const noCwd = await rejection(peer.request('session.start', { command: 'bash', cwd: '/nonexistent/work/tree' }));
    expect(noCwd.code).toBe(WireErrorCode.CwdNotFound);
    expect(noCwd.message).toContain('/nonexistent/work/tree');
  });

  it('insists on host.hello first and reports a protocol mismatch with both versions', async () => {
    const { peer } = bridge(await dirs.make());
    const early = await rejection(peer.request('session.list', {}));
    expect(early.code).toBe(WireErrorCode.HandshakeRequired);
    const mismatch = await rejection(
      peer.request('host.hello', { protocolVersion: 999, client: { name: 't', version: '0', user: 'u' } }),
    );
    expect(mismatch.code).toBe(WireErrorCode.VersionMismatch);
    expect(mismatch.data).toMatchObject({ hostVersion: expect.any(String), protocolVersion: PROTOCOL_VERSION });
    const ok = await hello(peer);
    expect(ok.protocolVersion).toBe(PROTOCOL_VERSION);
  });

  it('lets a client of another protocol version list sessions and replace the daemon, nothing more', async () => {
    const stateDir = await dirs.make();
    const current = bridge(stateDir).peer;
    const { pid } = await hello(current);
    await current.request('session.start', { command: 'sleep', args: ['60'], name: 'long-job' });
    const newer = bridge(stateDir).peer;
    const mismatch = await rejection(
      newer.request('host.hello', { protocolVersion: PROTOCOL_VERSION + 1, client: { name: 'flightdeck-next', version: '9', user: 'lead@laptop' } }),
    );
    expect(mismatch.code).toBe(WireErrorCode.VersionMismatch);
    const { sessions } = await newer.request('session.list', {});
    expect(sessions.map((s) => s.name)).toEqual(['long-job']);
    expect((await rejection(newer.request('session.start', { command: 'true' }))).code).toBe(WireErrorCode.HandshakeRequired);
    await rejection(newer.request('host.shutdown', {}));
    // The human consented to stopping the running session for the upgrade.
    expect(await newer.request('host.shutdown', { force: true })).toEqual({ stoppedSessions: 1 });
    await waitFor(() => !isAlive(pid), 'the old daemon to exit', 5000);
  });

  it('refuses host.shutdown while sessions run unless forced', async () => {
    const { peer } = bridge(await dirs.make());
    const { pid } = await hello(peer);
    await peer.request('session.start', { command: 'sleep', args: ['60'] });
    const refused = await rejection(peer.request('host.shutdown', {}));
    expect(refused.message).toMatch(/still running/);
    const done = await peer.request('host.shutdown', { force: true });
    expect(done.stoppedSessions).toBe(1);
    await new Promise<void>((resolve) => peer.onClose(() => resolve()));
    await waitFor(() => !isAlive(pid), 'the daemon to exit', 5000);
  });
});
