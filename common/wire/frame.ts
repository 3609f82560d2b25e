/**
 * Binary framing between the app and agent-host: `u32 length · u8 kind · payload`, big-endian.
 * `length` counts the kind byte plus the payload, so an empty payload has length 1.
 * Terminal bytes travel raw (no JSON, no base64); only RPC frames carry JSON.
 *
 * An RPC message bigger than one frame (a screen snapshot with its scrollback, say) travels as RPC_PART frames
 * holding consecutive slices of its UTF-8 JSON, ended by an RPC frame with the last slice — like WebSocket
 * continuation frames. Every frame stays within the limit, so no receiver ever has to accept a bigger one.
 * REPLY carries a terminal's automatic answer to a query (device attributes, cursor position), which is not
 * the human typing: the host writes it only from the viewer that holds input and does not audit it as keystrokes.
 */

export const FrameKind = { Rpc: 1, Output: 2, Input: 3, Ack: 4, RpcPart: 5, Reply: 6 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER_BYTES = 5;
/** Default upper bound on `length`; both sides enforce it. Output chunks are far smaller. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Largest RPC message, reassembled from RPC_PART frames; both sides enforce it. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Stream ids (a session id, or a viewer's own id for it) are short ASCII identifiers; a u8 length prefix bounds them. */
export const MAX_SESSION_ID_BYTES = 255;
/** Largest data of one INPUT or REPLY frame; a bigger paste goes in several (the PTY sees the same bytes). */
export const MAX_INPUT_FRAME_DATA = 64 * 1024;

/** In OUTPUT, INPUT, REPLY and ACK frames `sessionId` names the stream: the session id, or the stream id given at attach. */
export type Frame =
  | { kind: 'rpc'; message: unknown }
  | { kind: 'output'; sessionId: string; offset: number; data: Uint8Array }
  | { kind: 'input'; sessionId: string; data: Uint8Array }
  | { kind: 'reply'; sessionId: string; data: Uint8Array }
  | { kind: 'ack'; sessionId: string; offset: number };

const encoder = new TextEncoder();

function header(buffer: Uint8Array, kind: FrameKind, bodyLength: number): DataView {
  // The sender checks the limit too: a frame the receiver must refuse would kill the whole connection there.
  if (bodyLength + 1 > DEFAULT_MAX_FRAME_BYTES) {
    throw new RangeError(`a frame of ${bodyLength + 1} bytes exceeds the limit of ${DEFAULT_MAX_FRAME_BYTES}`);
  }
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

function rawFrame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  header(frame, kind, payload.length);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** One RPC frame; throws RangeError past the frame limit (encodeRpcMessage splits instead). */
export function encodeRpcFrame(message: unknown): Uint8Array {
  return rawFrame(FrameKind.Rpc, encoder.encode(JSON.stringify(message)));
}

/**
 * An RPC message as frames of at most `maxFrameBytes`: one RPC frame, or RPC_PART frames ended by an RPC frame.
 * Throws a RangeError for a message past `maxMessageBytes`, which no receiver would accept.
 */
export function encodeRpcMessage(
  message: unknown,
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): Uint8Array[] {
  const json = encoder.encode(JSON.stringify(message));
  if (json.length > maxMessageBytes) {
    throw new RangeError(`an RPC message of ${json.length} bytes exceeds the limit of ${maxMessageBytes}`);
  }
  const slice = Math.min(maxFrameBytes, DEFAULT_MAX_FRAME_BYTES) - 1;
  if (json.length <= slice) return [rawFrame(FrameKind.Rpc, json)];
  const frames: Uint8Array[] = [];
  for (let start = 0; start < json.length; start += slice) {
    const last = start + slice >= json.length;
    frames.push(rawFrame(last ? FrameKind.Rpc : FrameKind.RpcPart, json.subarray(start, start + slice)));
  }
  return frames;
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

function encodeBytesFrame(kind: typeof FrameKind.Input | typeof FrameKind.Reply, sessionId: string, data: Uint8Array): Uint8Array {
  const id = encodeSessionId(sessionId);
  const bodyLength = 1 + id.length + data.length;
  const frame = new Uint8Array(FRAME_HEADER_BYTES + bodyLength);
  header(frame, kind, bodyLength);
  frame[FRAME_HEADER_BYTES] = id.length;
  frame.set(id, FRAME_HEADER_BYTES + 1);
  frame.set(data, FRAME_HEADER_BYTES + 1 + id.length);
  return frame;
}

export function encodeInputFrame(sessionId: string, data: Uint8Array): Uint8Array {
  return encodeBytesFrame(FrameKind.Input, sessionId, data);
}

export function encodeReplyFrame(sessionId: string, data: Uint8Array): Uint8Array {
  return encodeBytesFrame(FrameKind.Reply, sessionId, data);
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
    case 'reply':
      return encodeReplyFrame(frame.sessionId, frame.data);
    case 'ack':
      return encodeAckFrame(frame.sessionId, frame.offset);
  }
}
