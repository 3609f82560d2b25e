import type { Readable, Writable } from 'node:stream';
import { BaseTransport } from '../../common/wire/transport';

/**
 * A Transport over Node streams: a Unix socket (one duplex), a child's stdio or an SSH exec channel
 * (readable and writable apart). Writes report the stream's backpressure.
 */
export class SocketTransport extends BaseTransport {
  private corked = false;

  constructor(
    private readonly readable: Readable,
    private readonly writable: Writable = readable as unknown as Writable,
  ) {
    super();
    readable.on('data', (chunk: Buffer) => this.deliver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    readable.on('end', () => this.finish());
    readable.on('close', () => this.finish());
    readable.on('error', (error: Error) => this.finish(error));
    writable.on('drain', () => this.drained());
    writable.on('error', (error: Error) => this.finish(error));
    if (writable !== (readable as unknown)) writable.on('close', () => this.finish());
  }

  /** Bytes written but not yet handed to the OS. */
  get pendingBytes(): number {
    return this.writable.writableLength;
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.writable.destroyed) return false;
    return this.writable.write(bytes);
  }

  /**
   * Writes the parts in order without joining them. Writes of one tick are corked into a single
   * writev: many frames cost one syscall, and a lone frame (a keystroke echo) still leaves this tick.
   */
  writeParts(parts: readonly Uint8Array[]): boolean {
    if (this.closed || this.writable.destroyed) return false;
    if (!this.corked) {
      this.corked = true;
      this.writable.cork();
      process.nextTick(() => {
        this.corked = false;
        this.writable.uncork();
      });
    }
    let accepted = true;
    for (const part of parts) accepted = this.writable.write(part);
    return accepted;
  }

  protected shutdown(): void {
    // End gracefully so queued bytes (e.g. a final error reply) still go out; destroy if the peer lingers.
    this.writable.end();
    if (this.writable !== (this.readable as unknown)) this.readable.destroy();
    setTimeout(() => {
      this.readable.destroy();
      this.writable.destroy();
    }, 1000).unref();
  }
}
