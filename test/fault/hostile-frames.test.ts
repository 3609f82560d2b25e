import fc from 'fast-check';
import { readFileSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalKey } from '../../common/app/api';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { FrameDecoder } from '../../common/wire/decoder';
import { WireErrorCode } from '../../common/wire/errors';
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

type Stream = { write(bytes: Uint8Array): void; on(event: string, listener: (...args: never[]) => void): unknown };

interface Response {
  id: unknown;
  result?: { pid?: number };
  error?: { code: number; message: string };
}

/** How one hostile client's case ended: closed by the host, or with the probe answered; and the replies it got first. */
interface Exchange {
  closed: boolean;
  replies: Response[];
  probe: Response | undefined;
}

/**
 * Sends the chunks and then the probe (twice: a stray RPC_PART before it joins the first); the case ends on an event:
 * the host closes us, or answers a probe.
 */
function exchange(stream: Stream, chunks: Uint8Array[]): Promise<Exchange> {
  return new Promise((resolve) => {
    const replies: Response[] = [];
    const decoder = new FrameDecoder({ maxFrameBytes: DEFAULT_MAX_FRAME_BYTES });
    let done = false;
    const finish = (closed: boolean, probe?: Response) => {
      if (done) return;
      done = true;
      resolve({ closed, replies, probe });
    };
    stream.on('data', ((data: Buffer) => {
      for (const result of decoder.push(data)) {
        if (!result.ok || result.frame.kind !== 'rpc') continue;
        const message = result.frame.message as Response;
        if (!('id' in message)) continue; // a notification, not a reply
        if (message.id === 'probe') return finish(false, message);
        replies.push(message);
      }
    }) as never);
    stream.on('close', (() => finish(true)) as never);
    stream.on('error', (() => finish(true)) as never);
    for (const chunk of [...chunks, probe, probe]) stream.write(chunk);
  });
}

/**
 * What the host must do with a byte string, by the wire rules (common/wire/decoder.ts, the daemon's own decoder): a
 * fatal framing error closes the connection with that error; otherwise every frame is handled and the probe answered.
 * 'pending' when the bytes end inside a frame (the probe is part of it): no event would end the case.
 */
function verdict(chunks: Uint8Array[]): { closed: string } | 'answered' | 'pending' {
  const decoder = new FrameDecoder({ maxFrameBytes: DEFAULT_MAX_FRAME_BYTES });
  let answered = false;
  for (const chunk of [...chunks, probe, probe]) {
    for (const result of decoder.push(chunk)) {
      if (!result.ok && result.fatal) return { closed: result.error.message };
      if (result.ok && result.frame.kind === 'rpc' && (result.frame.message as { id?: unknown } | null)?.id === 'probe') answered = true;
    }
  }
  return answered ? 'answered' : 'pending';
}

const rpc = (message: unknown) => encodeRpcFrame(message);
const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const text = (value: string) => new TextEncoder().encode(value);
const bytes = (...values: number[]) => new Uint8Array(values);
const concat = (...frames: Uint8Array[]) => Buffer.concat(frames);

/** An ACK frame for `sessionId` with its body changed by `edit`. */
function ackWith(sessionId: string, edit: (frame: Buffer) => Buffer): Uint8Array {
  const frame = edit(Buffer.from(encodeAckFrame(sessionId, 0)));
  frame.writeUInt32BE(frame.length - 4, 0);
  return frame;
}

/** What a hostile input must lead to: the connection closed with this error (in the daemon's log), or these replies before the probe's answer. */
type Expected = { closed: string; replies?: object[] } | { replies: object[]; log?: RegExp };

interface HostileCase {
  name: string;
  chunks: Uint8Array[];
  expected: Expected;
}

const errorReply = (id: unknown, code: number, message: RegExp | string) => ({
  jsonrpc: '2.0',
  id,
  error: expect.objectContaining({ code, message: typeof message === 'string' ? message : expect.stringMatching(message) }),
});

/** Hostile inputs with the exact outcome each must have. Unknown kinds use 0x7f: 5 and 6 are RPC_PART and REPLY. */
function hostileCases(victim: string): HostileCase[] {
  return [
    { name: 'a length past the frame limit', chunks: [rawFrame(FrameKind.Rpc, bytes(), 0xffff_ffff)], expected: { closed: `frame of 4294967295 bytes exceeds the limit of ${DEFAULT_MAX_FRAME_BYTES}` } },
    { name: 'a length of 0', chunks: [rawFrame(FrameKind.Rpc, bytes(), 0)], expected: { closed: 'frame length 0 (a frame needs at least a kind byte)' } },
    { name: 'an unknown kind', chunks: [rawFrame(0x7f, text('{}'))], expected: { closed: 'unknown frame kind 127' } },
    { name: 'kind 0', chunks: [rawFrame(0, bytes())], expected: { closed: 'unknown frame kind 0' } },
    { name: 'an OUTPUT frame with an empty session id', chunks: [rawFrame(FrameKind.Output, bytes(0))], expected: { closed: 'frame kind 2 has an empty session id' } },
    { name: 'a truncated ACK', chunks: [rawFrame(FrameKind.Ack, bytes(200, 1, 2))], expected: { closed: 'frame kind 4 is truncated' } },
    { name: 'an ACK offset past 2^53', chunks: [ackWith(victim, (frame) => (frame.fill(0xff, frame.length - 8), frame))], expected: { closed: 'frame kind 4 has an offset beyond 2^53' } },
    { name: 'an ACK with trailing bytes', chunks: [ackWith(victim, (frame) => Buffer.concat([frame, bytes(0)]))], expected: { closed: 'ack frame has trailing bytes' } },
    { name: 'a session id that is not UTF-8', chunks: [rawFrame(FrameKind.Input, bytes(1, 0xff, 0x61))], expected: { closed: 'frame kind 3 has a session id that is not UTF-8' } },
    {
      name: 'a good request and a bad frame in one write (the request is answered, then the connection closed)',
      chunks: [concat(rpc({ jsonrpc: '2.0', id: 'first', method: 'host.stats' }), rawFrame(0x7f, bytes()))],
      expected: { closed: 'unknown frame kind 127', replies: [errorReply('first', WireErrorCode.HandshakeRequired, 'the first request must be host.hello')] },
    },
    { name: 'invalid JSON', chunks: [rawFrame(FrameKind.Rpc, text('{"jsonrpc":"2.0","id":1,'))], expected: { replies: [errorReply(null, WireErrorCode.ParseError, /not valid UTF-8 JSON/)] } },
    { name: 'deeply nested, unclosed JSON', chunks: [rawFrame(FrameKind.Rpc, text('['.repeat(100_000)))], expected: { replies: [errorReply(null, WireErrorCode.ParseError, /not valid UTF-8 JSON/)] } },
    { name: 'RPC bytes that are not UTF-8', chunks: [rawFrame(FrameKind.Rpc, bytes(0x22, 0xff, 0x22))], expected: { replies: [errorReply(null, WireErrorCode.ParseError, /not valid UTF-8 JSON/)] } },
    {
      name: 'JSON that is not JSON-RPC',
      chunks: [rpc({ hello: 'world' }), rpc(42), rpc({ jsonrpc: '2.0', id: 7, method: 5 })],
      expected: {
        replies: [
          errorReply(null, WireErrorCode.InvalidRequest, 'RPC frame is not a JSON-RPC 2.0 message'),
          errorReply(null, WireErrorCode.InvalidRequest, 'RPC frame is not a JSON-RPC 2.0 message'),
          errorReply(7, WireErrorCode.InvalidRequest, 'RPC frame is not a JSON-RPC 2.0 message'),
        ],
      },
    },
    {
      name: 'unknown methods',
      chunks: [rpc({ jsonrpc: '2.0', id: 'a', method: 'x' }), rpc({ jsonrpc: '2.0', id: 'b', method: '__proto__' }), rpc({ jsonrpc: '2.0', id: 'c', method: 'session.event' })],
      expected: {
        replies: [
          errorReply('a', WireErrorCode.MethodNotFound, 'unknown method x'),
          errorReply('b', WireErrorCode.MethodNotFound, 'unknown method __proto__'),
          errorReply('c', WireErrorCode.MethodNotFound, 'unknown method session.event'),
        ],
      },
    },
    {
      name: "requests before host.hello, one of them killing the victim's session",
      chunks: [rpc({ jsonrpc: '2.0', id: 's', method: 'host.stats' }), rpc({ jsonrpc: '2.0', id: 'k', method: 'session.kill', params: { sessionId: victim } })],
      expected: {
        replies: [
          errorReply('s', WireErrorCode.HandshakeRequired, 'the first request must be host.hello'),
          errorReply('k', WireErrorCode.HandshakeRequired, 'the first request must be host.hello'),
        ],
      },
    },
    {
      name: 'host.hello with invalid params, then with another protocol version',
      chunks: [
        rpc({ jsonrpc: '2.0', id: 'p', method: 'host.hello', params: { protocolVersion: -1 } }),
        rpc({ jsonrpc: '2.0', id: 'v', method: 'host.hello', params: { protocolVersion: PROTOCOL_VERSION + 1000, client: { name: 'm', version: '0', user: 'm' } } }),
      ],
      expected: {
        replies: [
          errorReply('p', WireErrorCode.InvalidParams, /^invalid params for host\.hello/),
          errorReply('v', WireErrorCode.VersionMismatch, new RegExp(`speaks protocol ${PROTOCOL_VERSION}, the client speaks ${PROTOCOL_VERSION + 1000}`)),
        ],
      },
    },
    {
      name: 'responses nobody asked for and an unknown notification (no reply; logged)',
      chunks: [rpc({ jsonrpc: '2.0', id: 99, result: 1 }), rpc({ jsonrpc: '2.0', id: 98, error: { code: 1, message: 'boom' } }), rpc({ jsonrpc: '2.0', method: 'x' })],
      expected: { replies: [], log: /peer reported: boom \(1\)[\s\S]*unknown notification x/ },
    },
    {
      name: "typing into the victim's session before host.hello (ignored)",
      chunks: [encodeInputFrame(victim, text('INJECTED\r'))],
      expected: { replies: [], log: /INPUT before host\.hello ignored/ },
    },
    {
      name: "OUTPUT and ACK frames for the victim's session from a client that does not view it (ignored)",
      chunks: [encodeOutputFrame(victim, 0, text('FORGED')), encodeAckFrame(victim, 2 ** 50)],
      expected: { replies: [] },
    },
  ];
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

    const log = join(hostDir, 'daemon.log');
    const logSince = (mark: number) => readFileSync(log).subarray(mark).toString('utf8');
    /** Checks one client's exchange against what it must lead to, by its replies and the daemon's log. */
    const check = (label: string, outcome: Exchange, expected: Expected, logMark: number) => {
      const logged = logSince(logMark);
      if ('closed' in expected) {
        expect({ label, closed: outcome.closed, probe: outcome.probe }).toEqual({ label, closed: true, probe: undefined });
        expect(logged, label).toMatch(new RegExp(`client c\\d+ disconnected: ${escapeRegExp(expected.closed)}\\n`));
      } else {
        expect({ label, closed: outcome.closed }).toEqual({ label, closed: false });
        expect(outcome.probe, label).toMatchObject({ result: { pid: daemonPid } });
        if (expected.log) expect(logged, label).toMatch(expected.log);
      }
      expect(outcome.replies, label).toEqual(expected.replies ?? []);
    };

    // Each hostile input has one right outcome, straight at the daemon's Unix socket and through sshd and the bridge.
    for (const { name, chunks, expected } of hostileCases(session.id)) {
      const mark = statSync(log).size;
      const socket = connect(socketPath);
      sockets.push(socket);
      check(`${name} (socket)`, await exchange(socket, chunks), expected, mark);
      socket.destroy();
    }
    for (const { name, chunks, expected } of hostileCases(session.id)) {
      const mark = statSync(log).size;
      const channel = await bridgeChannel(ssh, hostDir);
      check(`${name} (ssh)`, await exchange(channel, chunks), expected, mark);
      channel.close();
    }

    // Random byte strings: each must end as the wire rules say (closed with the decoder's error, or answered).
    let fuzzed = 0;
    await fc.assert(
      fc.asyncProperty(hostile(session.id), async (chunks) => {
        const expected = verdict(chunks);
        fc.pre(expected !== 'pending');
        const mark = statSync(log).size;
        const socket = connect(socketPath);
        sockets.push(socket);
        const outcome = await exchange(socket, chunks);
        socket.destroy();
        const logged = logSince(mark);
        if (expected === 'answered') {
          expect(outcome.closed).toBe(false);
          expect(outcome.probe).toMatchObject({ result: { pid: daemonPid } });
        } else {
          expect(outcome.closed).toBe(true);
          expect(logged).toMatch(new RegExp(`client c\\d+ disconnected: ${escapeRegExp(expected.closed)}\\n`));
        }
        fuzzed++;
      }),
      { numRuns: 40, seed: 20261129 },
    );
    expect(fuzzed).toBeGreaterThanOrEqual(30);

    // The daemon is the same process, answers, and the victim's stream went on, contiguous, while all this happened.
    const stats = await inspector.request('host.stats', {});
    expect(stats.pid).toBe(daemonPid);
    const seen = collector.size(key);
    await collector.until(key, (stream) => stream.size > seen + 200);
    expect(collector.failure).toBeUndefined();
    // Nothing typed or forged by the hostile clients reached the victim's terminal (its PTY echoes what it is typed).
    expect(collector.bytes(key).toString('utf8')).not.toMatch(/INJECTED|FORGED/);
    expect(readFileSync(log, 'utf8')).not.toMatch(/uncaught/);
    const after = (await victim.request('sessions.start', { host: 'vm', spec: { command: 'sh', args: ['-c', 'echo still serving'] } })).session;
    await victim.request('terminal.attach', { host: 'vm', sessionId: after.id, fromOffset: 0 });
    await collector.until(terminalKey('vm', after.id), (stream) => stream.text().includes('still serving'));
    const { sessions } = await inspector.request('session.list', {});
    expect(sessions.find((info) => info.id === session.id)?.status).not.toBe('exited');
    inspector.close();
  });
});
