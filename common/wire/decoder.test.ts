import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes';
import { FrameDecoder, type DecodeResult } from './decoder';
import { LocalError } from './errors';
import { FRAME_HEADER_BYTES, FrameKind, encodeFrame, encodeOutputFrame, encodeRpcFrame, encodeRpcMessage, type Frame } from './frame';

const sessionId = fc.stringMatching(/^[A-Za-z0-9_~-]{1,40}$/);
const offset = fc.maxSafeNat();
const bytes = fc.uint8Array({ maxLength: 300 });
const json = fc.jsonValue().filter((value) => value !== undefined);

const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  json.map((message) => ({ kind: 'rpc' as const, message })),
  fc.record({ kind: fc.constant('output' as const), sessionId, offset, data: bytes }),
  fc.record({ kind: fc.constant('input' as const), sessionId, data: bytes }),
  fc.record({ kind: fc.constant('reply' as const), sessionId, data: bytes }),
  fc.record({ kind: fc.constant('ack' as const), sessionId, offset }),
);

function splitAt(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    chunks.push(stream.subarray(start, point));
    start = point;
  }
  return chunks;
}

function decodeAll(decoder: FrameDecoder, chunks: Uint8Array[]): DecodeResult[] {
  const out: DecodeResult[] = [];
  for (const chunk of chunks) {
    // push() must never throw, whatever the bytes.
    out.push(...decoder.push(chunk));
  }
  return out;
}

/** JSON round-trips -0 as 0; compare what the wire can carry. */
function normalize(frame: Frame): unknown {
  if (frame.kind === 'rpc') return { kind: 'rpc', message: JSON.parse(JSON.stringify(frame.message)) };
  if ('data' in frame) return { ...frame, data: Array.from(frame.data) };
  return frame;
}

describe('FrameDecoder', () => {
  it('decodes any sequence of frames split at any points to the same frames', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
        const stream = concatBytes(frames.map(encodeFrame));
        const results = decodeAll(new FrameDecoder(), splitAt(stream, cuts));
        expect(results.every((result) => result.ok)).toBe(true);
        expect(results.map((result) => (result.ok ? normalize(result.frame) : null))).toEqual(frames.map(normalize));
      }),
      { numRuns: 500 },
    );
  });

  it('never crashes on random bytes and reports every failure as a typed LocalError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 }), (stream, cuts) => {
        const decoder = new FrameDecoder({ maxFrameBytes: 4096 });
        const results = decodeAll(decoder, splitAt(stream, cuts));
        for (const result of results) {
          if (!result.ok) expect(result.error).toBeInstanceOf(LocalError);
        }
        const fatal = results.findIndex((result) => !result.ok && result.fatal);
        if (fatal >= 0) {
          expect(fatal).toBe(results.length - 1);
          expect(decoder.failed).toBe(true);
          expect(decoder.push(new Uint8Array([0, 0, 0, 1, 1]))).toEqual([]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('holds a truncated frame without yielding anything, then completes it', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), (frame, cutSeed) => {
        const encoded = encodeFrame(frame);
        const cut = cutSeed % encoded.length;
        const decoder = new FrameDecoder();
        expect(decoder.push(encoded.subarray(0, cut))).toEqual([]);
        expect(decoder.bufferedBytes).toBe(cut);
        const [result] = decoder.push(encoded.subarray(cut));
        expect(result?.ok && normalize(result.frame)).toEqual(normalize(frame));
        expect(decoder.bufferedBytes).toBe(0);
      }),
    );
  });

  it('rejects an oversized length before buffering the body', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1025, max: 0xffffffff }), (length) => {
        const header = new Uint8Array(FRAME_HEADER_BYTES);
        new DataView(header.buffer).setUint32(0, length);
        header[4] = FrameKind.Output;
        const [result] = new FrameDecoder({ maxFrameBytes: 1024 }).push(header);
        expect(result).toMatchObject({ ok: false, fatal: true, error: { code: 'frame-too-large' } });
      }),
    );
  });

  it('answers invalid JSON with a non-fatal typed error and keeps decoding', () => {
    fc.assert(
      fc.property(fc.string(), frameArb, (text, next) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        fc.pre(!valid);
        const payload = new TextEncoder().encode(text);
        const bad = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
        new DataView(bad.buffer).setUint32(0, payload.length + 1);
        bad[4] = FrameKind.Rpc;
        bad.set(payload, FRAME_HEADER_BYTES);
        const results = new FrameDecoder().push(concatBytes([bad, encodeFrame(next)]));
        expect(results[0]).toMatchObject({ ok: false, fatal: false, error: { code: 'invalid-json' } });
        expect(results[1]?.ok && normalize(results[1].frame)).toEqual(normalize(next));
      }),
    );
  });

  it('reassembles an RPC message sent as RPC_PART frames, cut anywhere and with other frames in between', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 3000 }), fc.integer({ min: 16, max: 400 }), fc.array(fc.nat(), { maxLength: 20 }), (text, maxFrameBytes, cuts) => {
        const message = { jsonrpc: '2.0', method: 'x', params: { text } };
        const frames = encodeRpcMessage(message, maxFrameBytes);
        for (const frame of frames) expect(frame.length - 4).toBeLessThanOrEqual(maxFrameBytes);
        const output = encodeOutputFrame('s-1', 7, new Uint8Array([1, 2, 3]));
        const stream = concatBytes(frames.flatMap((frame, index) => (index === 0 ? [frame] : [output, frame])));
        const results = decodeAll(new FrameDecoder({ maxFrameBytes }), splitAt(stream, cuts));
        const rpc = results.filter((result) => result.ok && result.frame.kind === 'rpc');
        expect(rpc).toEqual([{ ok: true, frame: { kind: 'rpc', message } }]);
        expect(results.filter((result) => result.ok && result.frame.kind === 'output')).toHaveLength(frames.length - 1);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a reassembled message past its limit, as fatal', () => {
    const frames = encodeRpcMessage({ blob: 'x'.repeat(5000) }, 1024);
    const decoder = new FrameDecoder({ maxFrameBytes: 1024, maxMessageBytes: 4096 });
    const results = decodeAll(decoder, frames);
    expect(results).toEqual([{ ok: false, fatal: true, error: expect.objectContaining({ code: 'frame-too-large' }) }]);
    expect(decoder.failed).toBe(true);
  });

  it('refuses on the sending side a frame or a message the receiver would have to refuse', () => {
    expect(() => encodeRpcFrame({ blob: 'x'.repeat(4 * 1024 * 1024) })).toThrow(RangeError);
    expect(() => encodeOutputFrame('s-1', 0, new Uint8Array(4 * 1024 * 1024))).toThrow(RangeError);
    expect(() => encodeRpcMessage({ blob: 'x'.repeat(2048) }, 256, 1024)).toThrow(/exceeds the limit of 1024/);
  });

  it('names the problem in malformed binary frames', () => {
    const emptyId = new Uint8Array([0, 0, 0, 2, FrameKind.Ack, 0]);
    expect(new FrameDecoder().push(emptyId)[0]).toMatchObject({ ok: false, fatal: true, error: { code: 'frame-malformed' } });
    const shortAck = new Uint8Array([0, 0, 0, 4, FrameKind.Ack, 1, 65, 0]);
    expect(new FrameDecoder().push(shortAck)[0]).toMatchObject({ error: { message: expect.stringContaining('truncated') } });
    const unknownKind = new Uint8Array([0, 0, 0, 1, 99]);
    expect(new FrameDecoder().push(unknownKind)[0]).toMatchObject({ error: { code: 'frame-unknown-kind' } });
    expect(new FrameDecoder().push(new Uint8Array([0, 0, 0, 0, 1]))[0]).toMatchObject({ error: { code: 'frame-empty' } });
  });
});
