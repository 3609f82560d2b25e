import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalKey } from '../../common/app/api';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { FrameDecoder } from '../../common/wire/decoder';
import { DEFAULT_MAX_FRAME_BYTES, encodeAckFrame, encodeInputFrame, encodeOutputFrame, encodeRpcFrame, FrameKind } from '../../common/wire/frame';
import { connectSsh2, shellQuote } from '../bench/ssh';
import { AGENT_HOST_BUNDLE, execSshBridge, hello } from '../integration/agent-host/client';
import { TerminalCollector, collectingClient } from './collect';
import { openFaultWorld, type FaultWorld } from './world';

const TICKER = 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.02; done';

function rawFrame(kind: number, payload: Uint8Array, declaredLength = payload.length + 1): Uint8Array {
  const frame = new Uint8Array(5 + payload.length);
  new DataView(frame.buffer).setUint32(0, declaredLength);
  frame[4] = kind;
  frame.set(payload, 5);
  return frame;
}

const probe = encodeRpcFrame({
  jsonrpc: '2.0',
  id: 'probe',
  method: 'host.hello',
  params: { protocolVersion: PROTOCOL_VERSION, client: { name: 'mallory', version: '0', user: 'mallory@nowhere' } },
});

/** Byte strings a broken or hostile client might send; binary frames aim at the victim's real session. */
function hostile(sessionId: string): fc.Arbitrary<Uint8Array[]> {
  const text = (value: string) => new TextEncoder().encode(value);
  return fc.array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 4096 }),
      fc.jsonValue().map((value) => encodeRpcFrame(value)),
      fc
        .record({
          id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
          method: fc.constantFrom('host.hello', 'host.stats', 'session.attach', 'session.input', 'session.resize', 'session.kill', '__proto__', 'x'),
          params: fc.oneof(fc.jsonValue(), fc.constant({ sessionId: 's-decoy' }), fc.constant({ protocolVersion: -1 })),
        })
        .map((message) => encodeRpcFrame({ jsonrpc: '2.0', ...message })),
      fc.uint8Array({ maxLength: 256 }).map((data) => encodeOutputFrame(sessionId, 0, data)),
      fc.nat({ max: 2 ** 50 }).map((offset) => encodeAckFrame(sessionId, offset)),
      fc.uint8Array({ maxLength: 256 }).map((data) => encodeInputFrame('s-decoy', data)),
      fc.integer({ min: 0, max: 255 }).chain((kind) => fc.uint8Array({ maxLength: 64 }).map((payload) => rawFrame(kind, payload))),
      fc.constantFrom(
        rawFrame(FrameKind.Rpc, new Uint8Array(0), 0xffff_ffff),
        rawFrame(FrameKind.Rpc, new Uint8Array(0), 0),
        rawFrame(FrameKind.Rpc, text('['.repeat(100_000))),
        rawFrame(FrameKind.Rpc, text('{"jsonrpc":"2.0","id":1,')),
        rawFrame(FrameKind.Ack, new Uint8Array([200, 1, 2])),
      ),
    ),
    { minLength: 1, maxLength: 10 },
  );
}

type Outcome = 'closed' | 'answered';

/** Sends the chunks and a trailing hello; the case ends on an event: the host closes us, or answers the probe. */
function exchange(stream: { write(bytes: Uint8Array): void; on(event: string, listener: (...args: never[]) => void): unknown }, chunks: Uint8Array[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder({ maxFrameBytes: DEFAULT_MAX_FRAME_BYTES });
    stream.on('data', ((data: Buffer) => {
      for (const result of decoder.push(data)) {
        if (result.ok && result.frame.kind === 'rpc' && (result.frame.message as { id?: unknown }).id === 'probe') resolve('answered');
      }
    }) as never);
    stream.on('close', (() => resolve('closed')) as never);
    stream.on('error', (() => resolve('closed')) as never);
    for (const chunk of [...chunks, probe]) stream.write(chunk);
  });
}

function bridgeChannel(ssh: Client, stateDir: string): Promise<ClientChannel> {
  const command = [process.execPath, AGENT_HOST_BUNDLE, 'bridge', '--state-dir', stateDir].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => ssh.exec(command, (error, channel) => (error ? reject(error) : resolve(channel))));
}

describe('fault: random and hostile frames from a client', () => {
  let fault: FaultWorld | undefined;
  let ssh: Client | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    ssh?.end();
    await fault?.cleanup();
  });

  it('over SSH and over the daemon socket: the daemon survives and keeps serving other clients', async () => {
    fault = await openFaultWorld();
    const { core, hostDir, sshd } = fault;
    await core.addHost({ name: 'vm', target: 'vm', hostDir });
    const collector = new TerminalCollector();
    const victim = collectingClient(core, collector);
    const { session } = await victim.request('sessions.start', { host: 'vm', spec: { command: 'sh', args: ['-c', TICKER] } });
    await victim.request('terminal.attach', { host: 'vm', sessionId: session.id, fromOffset: 0 });
    const key = terminalKey('vm', session.id);
    await collector.until(key, (stream) => stream.text().includes('tick 3\r\n'));

    ssh = await connectSsh2(sshd);
    const inspector = (await execSshBridge(ssh, { stateDir: hostDir })).peer;
    const daemonPid = (await hello(inspector, 'inspector@laptop')).pid;

    // A client that promises a maximum-size frame and never sends it, held open for the whole barrage.
    const socketPath = join(hostDir, 'agent-host.sock');
    const slow = connect(socketPath);
    sockets.push(slow);
    slow.write(rawFrame(FrameKind.Rpc, new Uint8Array(0), DEFAULT_MAX_FRAME_BYTES));

    const outcomes: Outcome[] = [];
    // Straight at the daemon's Unix socket.
    await fc.assert(
      fc.asyncProperty(hostile(session.id), async (chunks) => {
        const socket = connect(socketPath);
        sockets.push(socket);
        outcomes.push(await exchange(socket, chunks));
        socket.destroy();
      }),
      { numRuns: 40, seed: 20261129 },
    );
    // Through sshd and the bridge, as a compromised laptop would.
    await fc.assert(
      fc.asyncProperty(hostile(session.id), async (chunks) => {
        const channel = await bridgeChannel(ssh!, hostDir);
        outcomes.push(await exchange(channel, chunks));
        channel.close();
      }),
      { numRuns: 4, seed: 20261129 },
    );
    expect(outcomes.length).toBe(44);

    // The daemon is the same process, answers, and the victim's stream went on, contiguous, while all this happened.
    const stats = await inspector.request('host.stats', {});
    expect(stats.pid).toBe(daemonPid);
    const seen = collector.size(key);
    await collector.until(key, (stream) => stream.size > seen + 200);
    expect(collector.failure).toBeUndefined();
    const after = (await victim.request('sessions.start', { host: 'vm', spec: { command: 'sh', args: ['-c', 'echo still serving'] } })).session;
    await victim.request('terminal.attach', { host: 'vm', sessionId: after.id, fromOffset: 0 });
    await collector.until(terminalKey('vm', after.id), (stream) => stream.text().includes('still serving'));
    const { sessions } = await inspector.request('session.list', {});
    expect(sessions.find((info) => info.id === session.id)?.status).not.toBe('exited');
    inspector.close();
  });
});
