import { Emitter, type Unsubscribe } from '../../common/events';
import { FrameDecoder } from '../../common/wire/decoder';
import { classifyJsonRpc } from '../../common/wire/jsonrpc';
import type { Transport } from '../../common/wire/transport';
import { BRIDGE_IDENTITY } from './bridgeClaim';

const LENGTH_BYTES = 4;

/**
 * Sits between a daemon connection's socket and its RpcPeer, and holds the bytes until the connection's first frame
 * is whole. Only that frame may be the bridge's claim: when it is a `bridge.identity` notification it is taken out
 * and given to `onClaim`, which says whether the connection goes on; any other first frame goes to the peer with the
 * rest. From then on every byte passes through untouched, so a claim the peer ever sees came later: a violation.
 */
export class ClaimGate implements Transport {
  private readonly data = new Emitter<Uint8Array>();
  private chunks: Uint8Array[] = [];
  private heldBytes = 0;
  /** Bytes that make the first frame whole: its length prefix, then (once read) the whole frame. */
  private needed = LENGTH_BYTES;
  private state: 'first-frame' | 'open' | 'refused' = 'first-frame';

  constructor(
    private readonly socket: Transport,
    private readonly maxFrameBytes: number,
    private readonly onClaim: (params: unknown) => boolean,
  ) {
    socket.onData((bytes) => this.receive(bytes));
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  write(bytes: Uint8Array): boolean {
    return this.socket.write(bytes);
  }

  onData(listener: (bytes: Uint8Array) => void): Unsubscribe {
    return this.data.on(listener);
  }

  onDrain(listener: () => void): Unsubscribe {
    return this.socket.onDrain(listener);
  }

  onClose(listener: (error?: Error) => void): Unsubscribe {
    return this.socket.onClose(listener);
  }

  close(error?: Error): void {
    this.socket.close(error);
  }

  private receive(bytes: Uint8Array): void {
    if (this.state === 'open') return this.data.emit(bytes);
    if (this.state === 'refused') return;
    this.chunks.push(bytes);
    this.heldBytes += bytes.length;
    // Joined only when enough has arrived: a big first frame in many chunks is copied once or twice, not per chunk.
    if (this.heldBytes < this.needed) return;
    const held = Buffer.concat(this.chunks);
    this.chunks = [held];
    if (this.needed === LENGTH_BYTES) {
      const length = held.readUInt32BE(0);
      // A length the peer's decoder refuses goes to it as is: it closes the connection naming the problem.
      if (length === 0 || length > this.maxFrameBytes) return this.release(held);
      this.needed = LENGTH_BYTES + length;
      if (held.length < this.needed) return;
    }
    const claim = claimIn(held.subarray(0, this.needed), this.maxFrameBytes);
    if (!claim) return this.release(held);
    this.chunks = [];
    if (!this.onClaim(claim.params)) {
      this.state = 'refused';
      return;
    }
    this.release(held.subarray(this.needed));
  }

  private release(bytes: Uint8Array): void {
    this.state = 'open';
    this.chunks = [];
    if (bytes.length > 0) this.data.emit(bytes);
  }
}

/** The params of `frame` when it is a bridge.identity notification (validated by whoever decides on them). */
function claimIn(frame: Uint8Array, maxFrameBytes: number): { params: unknown } | undefined {
  const [decoded] = new FrameDecoder({ maxFrameBytes }).push(frame);
  if (!decoded?.ok || decoded.frame.kind !== 'rpc') return undefined;
  const message = classifyJsonRpc(decoded.frame.message);
  if (message?.type !== 'notification' || message.message.method !== BRIDGE_IDENTITY) return undefined;
  return { params: message.message.params };
}
