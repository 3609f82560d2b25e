import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../protocol/version';
import { hostProtocol, type HostProtocol } from '../protocol/methods';
import { LocalError, WireError, WireErrorCode } from './errors';
import { FrameKind, encodeRpcFrame } from './frame';
import { RpcPeer } from './peer';
import { createMemoryTransportPair } from './transport';

function pair() {
  const [a, b] = createMemoryTransportPair();
  return { client: new RpcPeer<HostProtocol>(hostProtocol, a), host: new RpcPeer<HostProtocol>(hostProtocol, b) };
}

const hello = {
  protocolVersion: PROTOCOL_VERSION,
  client: { name: 'test', version: '0', user: 'tester@laptop' },
};

describe('RpcPeer', () => {
  it('validates params on arrival and applies schema defaults', async () => {
    const { client, host } = pair();
    host.handle('host.hello', (params) => ({
      protocolVersion: params.protocolVersion,
      hostVersion: '1.0.0',
      hostId: 'h',
      pid: 1,
      stateDir: '/tmp',
      capabilities: params.capabilities,
      auditHead: null,
      highWatermark: 1024,
    }));
    const result = await client.request('host.hello', hello);
    expect(result.capabilities).toEqual([]);

    const invalid = client.request('host.hello', { ...hello, protocolVersion: 'one' } as never);
    await expect(invalid).rejects.toMatchObject({ code: WireErrorCode.InvalidParams, message: expect.stringContaining('protocolVersion') });
  });

  it('answers unknown and unhandled methods with MethodNotFound', async () => {
    const { client } = pair();
    await expect(client.request('session.list', {})).rejects.toMatchObject({ code: WireErrorCode.MethodNotFound });
  });

  it('carries WireErrors from handlers with code and data, and hides other errors behind InternalError', async () => {
    const { client, host } = pair();
    host.handle('session.kill', () => {
      throw new WireError(WireErrorCode.SessionNotFound, 'no session s1', { sessionId: 's1' });
    });
    host.handle('session.remove', () => {
      throw new TypeError('boom');
    });
    await expect(client.request('session.kill', { sessionId: 's1' })).rejects.toMatchObject({
      name: 'WireError',
      code: WireErrorCode.SessionNotFound,
      data: { sessionId: 's1' },
    });
    await expect(client.request('session.remove', { sessionId: 's1' })).rejects.toMatchObject({
      code: WireErrorCode.InternalError,
      message: 'boom',
    });
  });

  it('rejects a result that does not match the declared schema', async () => {
    const { client, host } = pair();
    host.handle('session.list', () => ({ sessions: [{ id: 'x' }] }) as never);
    await expect(client.request('session.list', {})).rejects.toMatchObject({ name: 'LocalError', code: 'invalid-message' });
  });

  it('delivers validated notifications and drops invalid ones as protocol errors', async () => {
    const { client, host } = pair();
    const errors: LocalError[] = [];
    client.onProtocolError((error) => errors.push(error));
    const received = new Promise((resolve) => client.onNotification('session.viewer', resolve));
    host.notify('session.viewer', { sessionId: 's', streamId: 's', state: 'bogus', sentOffset: 0, ackedOffset: 0 } as never);
    host.notify('session.viewer', { sessionId: 's', streamId: 's', state: 'stalled', sentOffset: 10, ackedOffset: 0 });
    await expect(received).resolves.toEqual({ sessionId: 's', streamId: 's', state: 'stalled', sentOffset: 10, ackedOffset: 0 });
    expect(errors.map((error) => error.code)).toEqual(['invalid-message']);
  });

  it('moves binary frames without touching JSON', async () => {
    const { client, host } = pair();
    const output = new Promise((resolve) => client.onOutput(resolve));
    const ack = new Promise((resolve) => host.onAck(resolve));
    const input = new Promise((resolve) => host.onInput(resolve));
    host.sendOutput('s1', 2 ** 40, new Uint8Array([0, 255, 10]));
    client.sendAck('s1', 2 ** 40 + 3);
    client.sendInput('s1', new TextEncoder().encode('ls\r'));
    await expect(output).resolves.toEqual({ kind: 'output', sessionId: 's1', offset: 2 ** 40, data: new Uint8Array([0, 255, 10]) });
    await expect(ack).resolves.toEqual({ kind: 'ack', sessionId: 's1', offset: 2 ** 40 + 3 });
    await expect(input).resolves.toMatchObject({ kind: 'input', sessionId: 's1' });
  });

  it('sends several acks in one write, each arriving as its own ACK frame in order', async () => {
    const [a, b] = createMemoryTransportPair();
    const writes: Uint8Array[] = [];
    const write = a.write.bind(a);
    a.write = (bytes) => (writes.push(bytes), write(bytes));
    const client = new RpcPeer<HostProtocol>(hostProtocol, a);
    const host = new RpcPeer<HostProtocol>(hostProtocol, b);
    const acks: unknown[] = [];
    const all = new Promise((resolve) => host.onAck((frame) => acks.push(frame) === 3 && resolve(acks)));
    client.sendAcks([['t1.s1', 10], ['t1.s2', 2 ** 40], ['t1.s1', 12]]);
    await expect(all).resolves.toEqual([
      { kind: 'ack', sessionId: 't1.s1', offset: 10 },
      { kind: 'ack', sessionId: 't1.s2', offset: 2 ** 40 },
      { kind: 'ack', sessionId: 't1.s1', offset: 12 },
    ]);
    expect(writes).toHaveLength(1);
  });

  it('carries a result bigger than a frame (a snapshot with its scrollback) in parts, and a paste in several INPUT frames', async () => {
    const { client, host } = pair();
    // ~9 MiB of JSON: more than two frames' worth.
    const name = 'λ\x1b[1;31m'.repeat(700_000);
    const session = {
      id: 's1', name, command: 'sh', args: [], cwd: '/', labels: {}, cols: 80, rows: 24, status: 'idle' as const, pid: 1,
      exitCode: null, exitSignal: null, createdAt: 0, endedAt: null, endOffset: 0, retainedFrom: 0, inputAllowed: true,
    };
    host.handle('session.list', () => ({ sessions: [session] }));
    const { sessions } = await client.request('session.list', {});
    expect(sessions[0]!.name).toBe(name);
    const frames: Uint8Array[] = [];
    host.onInput((frame) => frames.push(frame.data));
    const paste = new Uint8Array(200_000).map((_, index) => index % 251);
    client.sendInput('s1', paste);
    await new Promise<void>((resolve) => host.onInput(() => frames.length === 4 && resolve()));
    expect(Buffer.concat(frames)).toEqual(Buffer.from(paste));
  });

  it('answers with an error, and keeps the connection, when a result cannot be sent at all', async () => {
    const [a, b] = createMemoryTransportPair();
    const client = new RpcPeer<HostProtocol>(hostProtocol, a);
    const host = new RpcPeer<HostProtocol>(hostProtocol, b, { maxMessageBytes: 1024 });
    host.handle('session.list', () => ({ sessions: [{ name: 'x'.repeat(4096) } as never] }));
    host.handle('host.stats', () => ({}) as never);
    await expect(client.request('session.list', {})).rejects.toMatchObject({ message: expect.stringContaining('cannot be sent') });
    expect(host.isClosed).toBe(false);
  });

  it('answers garbage JSON-RPC with InvalidRequest and invalid JSON with ParseError, and keeps serving', async () => {
    const [raw, hostSide] = createMemoryTransportPair();
    const host = new RpcPeer<HostProtocol>(hostProtocol, hostSide);
    host.handle('session.list', () => ({ sessions: [] }));
    const replies: unknown[] = [];
    const client = new RpcPeer<HostProtocol>(hostProtocol, raw);
    client.onProtocolError((error) => replies.push(error.message));
    raw.write(encodeRpcFrame({ hello: 'world' }));
    const broken = new Uint8Array([0, 0, 0, 3, FrameKind.Rpc, 123, 34]);
    raw.write(broken);
    await expect(client.request('session.list', {})).resolves.toEqual({ sessions: [] });
    expect(replies).toEqual([
      expect.stringContaining('JSON-RPC 2.0'),
      expect.stringContaining('not valid UTF-8 JSON'),
    ]);
  });

  it('closes the connection on a fatal framing error and rejects what is pending', async () => {
    const { client, host } = pair();
    host.handle('session.list', () => new Promise<never>(() => undefined));
    const closed = new Promise<Error | undefined>((resolve) => host.onClose(resolve));
    const pending = client.request('session.list', {});
    client.transport.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1]));
    await expect(closed).resolves.toMatchObject({ code: 'frame-too-large' });
    await expect(pending).rejects.toMatchObject({ code: 'transport-closed' });
    await expect(client.request('session.list', {})).rejects.toBeInstanceOf(LocalError);
  });

  it('times out a request that gets no answer', async () => {
    const [a] = createMemoryTransportPair();
    const client = new RpcPeer<HostProtocol>(hostProtocol, a, { requestTimeoutMs: 20 });
    await expect(client.request('session.list', {})).rejects.toMatchObject({ code: 'request-timeout' });
  });
});
