import { LocalError } from './errors';
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_MESSAGE_BYTES, FRAME_HEADER_BYTES, FrameKind, readOffset, type Frame } from './frame';

export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: LocalError; fatal: boolean };

export interface FrameDecoderOptions {
  maxFrameBytes?: number;
  /** Largest RPC message reassembled from RPC_PART frames. */
  maxMessageBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Streaming decoder: accepts chunks cut at any byte, never throws out of push().
 * A fatal error (bad length, unknown kind, malformed body) poisons the stream: framing cannot be
 * trusted after it, so the decoder yields nothing more and the caller closes the connection.
 * Invalid JSON in an RPC frame is not fatal: the frame boundary is intact and JSON-RPC answers it.
 * RPC_PART frames are held until the RPC frame that ends their message, within maxMessageBytes.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly maxMessageBytes: number;
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  private chunks: Uint8Array[] = [];
  private headOffset = 0;
  private buffered = 0;
  private poisoned = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  get failed(): boolean {
    return this.poisoned;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): DecodeResult[] {
    if (this.poisoned) return [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const results: DecodeResult[] = [];
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const head = this.peek(FRAME_HEADER_BYTES);
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const length = view.getUint32(0);
      if (length === 0) return this.poison(results, 'frame-empty', 'frame length 0 (a frame needs at least a kind byte)');
      if (length > this.maxFrameBytes) {
        return this.poison(results, 'frame-too-large', `frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      }
      if (this.buffered < 4 + length) break;
      const body = this.take(4 + length).subarray(4);
      const result = this.assemble(body);
      if (!result) continue;
      results.push(result);
      if (!result.ok && result.fatal) {
        this.poisoned = true;
        this.release();
        return results;
      }
    }
    return results;
  }

  /** RPC_PART bodies are held; the RPC frame after them gets the whole message. Null while a message is incomplete. */
  private assemble(body: Uint8Array): DecodeResult | null {
    const kind = body[0];
    if (kind !== FrameKind.RpcPart && (kind !== FrameKind.Rpc || this.parts.length === 0)) return decodeBody(body);
    this.partBytes += body.length - 1;
    if (this.partBytes > this.maxMessageBytes) {
      return { ok: false, error: new LocalError('frame-too-large', `RPC message exceeds the limit of ${this.maxMessageBytes} bytes`), fatal: true };
    }
    // Copied: the decoder's chunks are released as frames are taken.
    this.parts.push(body.slice(1));
    if (kind === FrameKind.RpcPart) return null;
    const json = new Uint8Array(this.partBytes);
    let at = 0;
    for (const part of this.parts) {
      json.set(part, at);
      at += part.length;
    }
    this.parts = [];
    this.partBytes = 0;
    return decodeRpc(json);
  }

  private poison(results: DecodeResult[], code: 'frame-empty' | 'frame-too-large', message: string): DecodeResult[] {
    this.poisoned = true;
    this.release();
    results.push({ ok: false, error: new LocalError(code, message), fatal: true });
    return results;
  }

  private release(): void {
    this.parts = [];
    this.partBytes = 0;
    this.chunks = [];
    this.headOffset = 0;
    this.buffered = 0;
  }

  /** The first n buffered bytes, copied only when they straddle chunks. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.headOffset >= n) return first.subarray(this.headOffset, this.headOffset + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let offset = this.headOffset;
    for (const chunk of this.chunks) {
      const part = chunk.subarray(offset, Math.min(chunk.length, offset + n - filled));
      out.set(part, filled);
      filled += part.length;
      offset = 0;
      if (filled === n) break;
    }
    return out;
  }

  private take(n: number): Uint8Array {
    const out = this.peek(n);
    this.buffered -= n;
    let remaining = n;
    while (remaining > 0) {
      const first = this.chunks[0]!;
      const available = first.length - this.headOffset;
      if (available > remaining) {
        this.headOffset += remaining;
        remaining = 0;
      } else {
        remaining -= available;
        this.chunks.shift();
        this.headOffset = 0;
      }
    }
    return out;
  }
}

function malformed(message: string): DecodeResult {
  return { ok: false, error: new LocalError('frame-malformed', message), fatal: true };
}

function decodeRpc(payload: Uint8Array): DecodeResult {
  let message: unknown;
  try {
    message = JSON.parse(utf8.decode(payload));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: new LocalError('invalid-json', `RPC frame is not valid UTF-8 JSON: ${reason}`), fatal: false };
  }
  return { ok: true, frame: { kind: 'rpc', message } };
}

function decodeBody(body: Uint8Array): DecodeResult {
  const kind = body[0];
  const payload = body.subarray(1);
  switch (kind) {
    case FrameKind.Rpc:
      return decodeRpc(payload);
    case FrameKind.Output:
    case FrameKind.Input:
    case FrameKind.Reply:
    case FrameKind.Ack: {
      const idLength = payload[0] ?? 0;
      if (idLength === 0) return malformed(`frame kind ${kind} has an empty session id`);
      const afterId = 1 + idLength;
      const needsOffset = kind === FrameKind.Output || kind === FrameKind.Ack;
      if (payload.length < afterId + (needsOffset ? 8 : 0)) return malformed(`frame kind ${kind} is truncated`);
      let sessionId: string;
      try {
        sessionId = utf8.decode(payload.subarray(1, afterId));
      } catch {
        return malformed(`frame kind ${kind} has a session id that is not UTF-8`);
      }
      if (kind === FrameKind.Input) return { ok: true, frame: { kind: 'input', sessionId, data: payload.subarray(afterId) } };
      if (kind === FrameKind.Reply) return { ok: true, frame: { kind: 'reply', sessionId, data: payload.subarray(afterId) } };
      const offset = readOffset(new DataView(payload.buffer, payload.byteOffset, payload.byteLength), afterId);
      if (!Number.isSafeInteger(offset)) return malformed(`frame kind ${kind} has an offset beyond 2^53`);
      if (kind === FrameKind.Ack) {
        if (payload.length !== afterId + 8) return malformed('ack frame has trailing bytes');
        return { ok: true, frame: { kind: 'ack', sessionId, offset } };
      }
      return { ok: true, frame: { kind: 'output', sessionId, offset, data: payload.subarray(afterId + 8) } };
    }
    default:
      return { ok: false, error: new LocalError('frame-unknown-kind', `unknown frame kind ${String(kind)}`), fatal: true };
  }
}
