// Two sockets joined both ways: backpressure (through pipe(), or the reused-buffer reads below), half-close passed on
// (each side's FIN ends the other's writable side), and any error or abrupt close tears both down. Never throws, never
// leaves an error unhandled.
//
// A socket this side opens itself only to relay it (the proxy's connection to an origin for a tunnel) can be opened
// with connectForRelay: its reads then land in one reused buffer instead of a new 64 KiB allocation per read.
// Those allocations are what relaying costs the most in a process with a large heap like the daemon's: each is
// external memory that V8 only reclaims by marking the whole heap, again and again while bytes flow.
import { connect, type NetConnectOpts, type Socket } from 'node:net';

/** Bytes per read of a socket opened with connectForRelay (as many as node reads by default). */
const RELAY_READ_BYTES = 64 * 1024;

/** Where the bytes a relayed socket reads go; set by splice(). */
class RelayReads {
  private buffer = Buffer.allocUnsafe(RELAY_READ_BYTES);
  private target: Socket | undefined;
  /** Bytes read before splice() named the target (copies: the buffer is reused). */
  private readonly early: Buffer[] = [];
  /** The socket whose reads these are (set once it is created with `onread`). */
  source: Socket | undefined;

  readonly onread = {
    buffer: (): Buffer => this.buffer,
    callback: (bytes: number, buffer: Uint8Array): boolean => this.received(Buffer.from(buffer.buffer, buffer.byteOffset, bytes)),
  };

  private received(chunk: Buffer): boolean {
    const target = this.target;
    if (!target) {
      this.early.push(Buffer.from(chunk));
      return true;
    }
    return this.forward(target, chunk);
  }

  private forward(target: Socket, chunk: Buffer): boolean {
    const flowing = target.write(chunk);
    // A write the kernel did not take at once still points into the buffer: the next read needs a fresh one.
    if (target.writableLength > 0) this.buffer = Buffer.allocUnsafe(RELAY_READ_BYTES);
    if (flowing) return true;
    // Returning false stops reading; 'drain' starts it again.
    target.once('drain', () => this.source?.resume());
    return false;
  }

  /** Starts passing what the source reads (and has read so far) to `target`, ending it when the source ends. */
  pipeTo(target: Socket): void {
    this.target = target;
    let flowing = true;
    for (const chunk of this.early.splice(0)) flowing = target.write(chunk);
    const source = this.source!;
    if (!flowing) {
      source.pause();
      target.once('drain', () => source.resume());
    }
    if (source.readableEnded) target.end();
    else source.once('end', () => target.end());
  }
}

const relayed = new WeakMap<Socket, RelayReads>();

/**
 * `net.connect(options)` for a socket whose incoming bytes will only be relayed by splice() (never read otherwise:
 * no 'data' events, and node:http cannot use it). Reads land in a reused buffer.
 */
export function connectForRelay(options: NetConnectOpts): Socket {
  const reads = new RelayReads();
  const socket = connect({ ...options, onread: reads.onread });
  reads.source = socket;
  relayed.set(socket, reads);
  return socket;
}

/**
 * Pipes `a` ⇄ `b` and calls `done` once, when both sockets are closed, with the first error seen (if any). Both sockets
 * should allow half-open connections, so that a client's FIN does not cut off the answer still on its way.
 */
export function splice(a: Socket, b: Socket, done: (error: Error | undefined) => void = () => undefined): void {
  let firstError: Error | undefined;
  let open = 2;
  const fail = (error: Error): void => {
    firstError ??= error;
    a.destroy();
    b.destroy();
  };
  const closed = (other: Socket) => (): void => {
    // A socket only closes when both its directions are done, or when it was destroyed: either way the other has
    // nothing left to do.
    other.destroy();
    open -= 1;
    if (open === 0) done(firstError);
  };
  a.on('error', fail);
  b.on('error', fail);
  for (const [socket, other] of [
    [a, b],
    [b, a],
  ] as const) {
    // 'close' has already been emitted by a socket that closed before it was handed over.
    if (socket.closed) queueMicrotask(closed(other));
    else socket.once('close', closed(other));
  }
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const reads = relayed.get(from);
    if (reads) reads.pipeTo(to);
    else from.pipe(to);
  }
}
