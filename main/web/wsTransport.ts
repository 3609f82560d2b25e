import type { WebSocket } from 'ws';
import { BaseTransport } from '../../common/wire/transport';

/** Above this many bytes queued in the socket, writers are told to wait for drain. */
const HIGH_WATER_BYTES = 1024 * 1024;

/** The server side of browser mode: common/ binary frames over one WebSocket (the `ws` package). */
export class ServerWebSocketTransport extends BaseTransport {
  private waitingForDrain = false;

  constructor(private readonly socket: WebSocket) {
    super();
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        this.close(new Error('text WebSocket message: browser mode speaks binary frames only'));
        return;
      }
      const chunks = Array.isArray(data) ? data : [data];
      for (const chunk of chunks) {
        const bytes = chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : chunk;
        this.deliver(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      }
    });
    socket.on('close', (code, reason) => {
      this.finish(code === 1000 || code === 1001 ? undefined : new Error(`browser closed the socket (${code}${reason.length ? `: ${reason.toString()}` : ''})`));
    });
    socket.on('error', (error) => this.finish(error));
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(bytes, { binary: true }, () => this.checkDrain());
    if (this.socket.bufferedAmount <= HIGH_WATER_BYTES) return true;
    this.waitingForDrain = true;
    return false;
  }

  protected shutdown(error?: Error): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(error ? 1011 : 1000, error?.message.slice(0, 120));
    }
  }

  private checkDrain(): void {
    if (!this.waitingForDrain || this.socket.bufferedAmount > HIGH_WATER_BYTES) return;
    this.waitingForDrain = false;
    this.drained();
  }
}
