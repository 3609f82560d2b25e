import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeAckFrame, encodeInputFrame, encodeOutputFrame, encodeRpcFrame, FrameKind } from '../../../common/wire/frame';
import { PROTOCOL_VERSION } from '../../../common/protocol/version';
import { WireErrorCode } from '../../../common/wire/errors';
import { hello, OutputCollector, spawnLocalBridge, waitFor } from './client';
import { isAlive, useLocalBridges } from './fixture';

const { dirs, bridges } = useLocalBridges();

function rawFrame(kind: number, payload: Uint8Array, declaredLength = payload.length + 1): Uint8Array {
  const frame = new Uint8Array(5 + payload.length);
  new DataView(frame.buffer).setUint32(0, declaredLength);
  frame[4] = kind;
  frame.set(payload, 5);
  return frame;
}

const text = (value: string) => new TextEncoder().encode(value);
const helloFrame = encodeRpcFrame({
  jsonrpc: '2.0',
  id: 1,
  method: 'host.hello',
  params: { protocolVersion: PROTOCOL_VERSION, client: { name: 'fuzz', version: '0', user: 'mallory' } },
});

/**
 * Hostile or broken things a client can send, as whole byte strings. RPC params name a decoy session
 * (a handshaken client may legitimately kill a real one); binary frames name the real one.
 */
function hostileFrames(sessionId: string) {
  const decoy = 's-decoy';
  const json = fc.jsonValue().map((value) => encodeRpcFrame(value));
  const rpcish = fc
    .record({
      id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
      method: fc.oneof(
        fc.constantFrom('host.hello', 'host.stats', 'session.start', 'session.attach', 'session.input', 'session.kill', 'session.remove', 'session.resize', 'no.such.method', '__proto__', 'constructor'),
        fc.string(),
      ),
      params: fc.oneof(
        fc.jsonValue(),
        fc.constant({ sessionId: decoy }),
        fc.record({ sessionId: fc.constant(decoy), cols: fc.integer(), rows: fc.integer() }),
        fc.record({ command: fc.constant('/nonexistent/agent'), cwd: fc.string() }),
      ),
    })
    .map((message) => encodeRpcFrame({ jsonrpc: '2.0', ...message }));
  const binary = fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((data) => encodeInputFrame('s-nope', data)),
    fc.nat({ max: 2 ** 40 }).map((offset) => encodeAckFrame(sessionId, offset)),
    fc.uint8Array({ maxLength: 512 }).map((data) => encodeOutputFrame(sessionId, 0, data)),
  );
  const broken = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 2048 }),
    fc.integer({ min: 0, max: 255 }).chain((kind) => fc.uint8Array({ maxLength: 64 }).map((payload) => rawFrame(kind, payload))),
    fc.constant(rawFrame(FrameKind.Rpc, new Uint8Array(0), 0xffff_ffff)),
    fc.constant(rawFrame(FrameKind.Rpc, new Uint8Array(0), 0)),
    fc.constant(rawFrame(FrameKind.Rpc, text('{"jsonrpc":"2.0","id":1,'))),
    fc.constant(rawFrame(FrameKind.Ack, new Uint8Array([200, 1, 2]))),
  );
  return fc.array(fc.oneof(json, rpcish, binary, broken), { minLength: 1, maxLength: 12 });
}

function sendAndClose(socketPath: string, chunks: Uint8Array[], withHello: boolean): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(socketPath);
    let replies = '';
    socket.on('data', (data) => (replies += data.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(replies));
    socket.on('connect', () => {
      if (withHello) socket.write(helloFrame);
      for (const chunk of chunks) socket.write(chunk);
      setTimeout(() => socket.destroy(), 20);
    });
  });
}

describe('agent-host under hostile input', () => {
  it('survives fuzzed frames on its real socket while another client is served', async () => {
    const stateDir = await dirs.make();
    const good = spawnLocalBridge({ stateDir });
    bridges.push(good);
    const { pid } = await hello(good.peer);
    const { session } = await good.peer.request('session.start', {
      command: 'sh',
      args: ['-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.05; done'],
    });
    const output = new OutputCollector(good.peer, session.id, 0);
    await good.peer.request('session.attach', { sessionId: session.id, fromOffset: 0 });
    await output.untilText('tick-1\r\n');

    const socketPath = join(stateDir, 'agent-host.sock');
    await fc.assert(
      fc.asyncProperty(hostileFrames(session.id), fc.boolean(), async (frames, withHello) => {
        await sendAndClose(socketPath, frames, withHello);
        return isAlive(pid);
      }),
      { numRuns: 150 },
    );

    // A few targeted cases, checked for the typed answer.
    const unknown = await sendAndClose(socketPath, [encodeRpcFrame({ jsonrpc: '2.0', id: 7, method: 'no.such', params: {} })], true);
    expect(unknown).toContain(String(WireErrorCode.MethodNotFound));
    const invalid = await sendAndClose(socketPath, [encodeRpcFrame({ jsonrpc: '2.0', id: 8, method: 'session.resize', params: { sessionId: session.id, cols: -1 } })], true);
    expect(invalid).toContain(String(WireErrorCode.InvalidParams));
    const early = await sendAndClose(socketPath, [encodeRpcFrame({ jsonrpc: '2.0', id: 9, method: 'session.list', params: {} })], false);
    expect(early).toContain(String(WireErrorCode.HandshakeRequired));

    expect(isAlive(pid)).toBe(true);
    const seen = output.next;
    await output.until((c) => c.next > seen + 100, 10_000, 'more output after the fuzzing');
    const { sessions } = await good.peer.request('session.list', {});
    expect(sessions.find((s) => s.id === session.id)?.status).not.toBe('exited');
    await waitFor(async () => (await good.peer.request('host.stats', {})).clients === 1, 'hostile clients to be gone', 5000);
  });
});
