import { BaseTransport } from '../../../common/wire/transport';

/** Above this many queued bytes the socket is "full": writers wait for the drain poll. */
const HIGH_WATER_BYTES = 1024 * 1024;
const DRAIN_POLL_MS = 20;

/** The browser side of browser mode: common/ binary frames over one WebSocket. */
export class WebSocketTransport extends BaseTransport {
  private drainTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly socket: WebSocket) {
    super();
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => {
      if (event.data instanceof ArrayBuffer) this.deliver(new Uint8Array(event.data));
    });
    socket.addEventListener('close', (event) => {
      this.stopDrainPoll();
      this.finish(event.code === 1000 ? undefined : new Error(`connection to the Flightdeck core closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`));
    });
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(bytes);
    if (this.socket.bufferedAmount <= HIGH_WATER_BYTES) return true;
    this.startDrainPoll();
    return false;
  }

  protected shutdown(): void {
    this.stopDrainPoll();
    this.socket.close(1000);
  }

  // Browsers have no drain event on WebSocket; bufferedAmount is the only signal.
  private startDrainPoll(): void {
    if (this.drainTimer) return;
    this.drainTimer = setInterval(() => {
      if (this.socket.bufferedAmount > HIGH_WATER_BYTES) return;
      this.stopDrainPoll();
      this.drained();
    }, DRAIN_POLL_MS);
  }

  private stopDrainPoll(): void {
    clearInterval(this.drainTimer);
    this.drainTimer = undefined;
  }
}

/** Opens the socket and resolves once it is connected, or rejects with a reason a human can act on. */
export function connectWebSocket(url: string): Promise<WebSocketTransport> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const onOpen = () => {
      socket.removeEventListener('error', onError);
      resolve(new WebSocketTransport(socket));
    };
    const onError = () => {
      socket.removeEventListener('open', onOpen);
      reject(new Error('could not reach the Flightdeck core: is `npm run web` still running, and is the token in the address right?'));
    };
    socket.addEventListener('open', onOpen, { once: true });
    socket.addEventListener('error', onError, { once: true });
  });
}
