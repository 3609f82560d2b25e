/**
 * Binary framing between the app and agent-host: `u32 length · u8 kind · payload`, big-endian.
 * `length` counts the kind byte plus the payload, so an empty payload has length 1.
 * Terminal bytes travel raw (no JSON, no base64); only RPC frames carry JSON.
 */

export const FrameKind = { Rpc: 1, Output: 2, Input: 3, Ack: 4 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER_BYTES = 5;
/** Default upper bound on `length`; both sides enforce it. Output chunks are far smaller. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Session ids are short ASCII identifiers; a u8 length prefix bounds them. */
export const MAX_SESSION_ID_BYTES = 255;

export type Frame =
  | { kind: 'rpc'; message: unknown }
  | { kind: 'output'; sessionId: string; offset: number; data: Uint8Array }
  | { kind: 'input'; sessionId: string; data: Uint8Array }
  | { kind: 'ack'; sessionId: string; offset: number };

const encoder = new TextEncoder();

function header(buffer: Uint8Array, kind: FrameKind, bodyLength: number): DataView {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  view.setUint32(0, bodyLength + 1);
  view.setUint8(4, kind);
  return view;
}

function encodeSessionId(sessionId: string): Uint8Array {
  const id = encoder.encode(sessionId);
  if (id.length === 0 || id.length > MAX_SESSION_ID_BYTES) {
    throw new RangeError(`session id must be 1..${MAX_SESSION_ID_BYTES} bytes, got ${id.length}`);
  }
  return id;
}

/** Offsets are byte counts, exact up to 2^53 (8 PiB of output per session). */
function writeOffset(view: DataView, at: number, offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset}`);
  view.setUint32(at, Math.floor(offset / 0x1_0000_0000));
  view.setUint32(at + 4, offset >>> 0);
}

export function readOffset(view: DataView, at: number): number {
  return view.getUint32(at) * 0x1_0000_0000 + view.getUint32(at + 4);
}

export function encodeRpcFrame(message: unknown): Uint8Array {
  const json = encoder.encode(JSON.stringify(message));
  const frame = new Uint8Array(FRAME_HEADER_BYTES + json.length);
  header(frame, FrameKind.Rpc, json.length);
  frame.set(json, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * The bytes of an OUTPUT frame that precede its data, so a writer can send header and data apart
 * (one writev) instead of copying every output byte into a fresh frame.
 */
export function encodeOutputFrameHeader(sessionId: string, offset: number, dataLength: number): Uint8Array {
  const id = encodeSessionId(sessionId);
  const headerLength = FRAME_HEADER_BYTES + 1 + id.length + 8;
  const frameHeader = new Uint8Array(headerLength);
  const view = header(frameHeader, FrameKind.Output, headerLength - FRAME_HEADER_BYTES + dataLength);
  frameHeader[FRAME_HEADER_BYTES] = id.length;
  frameHeader.set(id, FRAME_HEADER_BYTES + 1);
  writeOffset(view, FRAME_HEADER_BYTES + 1 + id.length, offset);
  return frameHeader;
}

export function encodeOutputFrame(sessionId: string, offset: number, data: Uint8Array): Uint8Array {
  const frameHeader = encodeOutputFrameHeader(sessionId, offset, data.length);
  const frame = new Uint8Array(frameHeader.length + data.length);
  frame.set(frameHeader);
  frame.set(data, frameHeader.length);
  return frame;
}

export function encodeInputFrame(sessionId: string, data: Uint8Array): Uint8Array {
  const id = encodeSessionId(sessionId);
  const bodyLength = 1 + id.length + data.length;
  const frame = new Uint8Array(FRAME_HEADER_BYTES + bodyLength);
  header(frame, FrameKind.Input, bodyLength);
  frame[FRAME_HEADER_BYTES] = id.length;
  frame.set(id, FRAME_HEADER_BYTES + 1);
  frame.set(data, FRAME_HEADER_BYTES + 1 + id.length);
  return frame;
}

export function encodeAckFrame(sessionId: string, offset: number): Uint8Array {
  const id = encodeSessionId(sessionId);
  const bodyLength = 1 + id.length + 8;
  const frame = new Uint8Array(FRAME_HEADER_BYTES + bodyLength);
  const view = header(frame, FrameKind.Ack, bodyLength);
  frame[FRAME_HEADER_BYTES] = id.length;
  frame.set(id, FRAME_HEADER_BYTES + 1);
  writeOffset(view, FRAME_HEADER_BYTES + 1 + id.length, offset);
  return frame;
}

export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.kind) {
    case 'rpc':
      return encodeRpcFrame(frame.message);
    case 'output':
      return encodeOutputFrame(frame.sessionId, frame.offset, frame.data);
    case 'input':
      return encodeInputFrame(frame.sessionId, frame.data);
    case 'ack':
      return encodeAckFrame(frame.sessionId, frame.offset);
  }
}
