import { Emitter, type Unsubscribe } from '../events';

/**
 * Any ordered byte stream to an agent-host bridge: an SSH exec channel, a local child's stdio,
 * a Unix socket, or the in-memory pair below. Transport is not protocol: it moves bytes only.
 */
export interface Transport {
  /** Queues bytes; false means the stream is past its high-water mark and the writer should wait for drain. */
  write(bytes: Uint8Array): boolean;
  onData(listener: (bytes: Uint8Array) => void): Unsubscribe;
  onDrain(listener: () => void): Unsubscribe;
  /** Fires once; `error` is set when the stream ended abnormally. */
  onClose(listener: (error?: Error) => void): Unsubscribe;
  close(error?: Error): void;
  readonly closed: boolean;
}

/** A base that keeps the listener bookkeeping; adapters call `deliver`, `drained` and `finish`. */
export abstract class BaseTransport implements Transport {
  private readonly data = new Emitter<Uint8Array>();
  private readonly drain = new Emitter<void>();
  private readonly closeEvents = new Emitter<Error | undefined>();
  private isClosed = false;
  private closeError: Error | undefined;

  abstract write(bytes: Uint8Array): boolean;
  protected abstract shutdown(error?: Error): void;

  get closed(): boolean {
    return this.isClosed;
  }

  onData(listener: (bytes: Uint8Array) => void): Unsubscribe {
    return this.data.on(listener);
  }

  onDrain(listener: () => void): Unsubscribe {
    return this.drain.on(listener);
  }

  onClose(listener: (error?: Error) => void): Unsubscribe {
    if (this.isClosed) {
      const error = this.closeError;
      queueMicrotask(() => listener(error));
      return () => undefined;
    }
    return this.closeEvents.on(listener);
  }

  close(error?: Error): void {
    if (this.isClosed) return;
    this.shutdown(error);
    this.finish(error);
  }

  protected deliver(bytes: Uint8Array): void {
    if (!this.isClosed) this.data.emit(bytes);
  }

  protected drained(): void {
    this.drain.emit();
  }

  protected finish(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    this.closeEvents.emit(error);
    this.data.clear();
    this.drain.clear();
    this.closeEvents.clear();
  }
}

class MemoryTransport extends BaseTransport {
  peer: MemoryTransport | undefined;

  write(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    const peer = this.peer;
    // Copy: the writer may reuse its buffer, as real streams allow.
    const copy = bytes.slice();
    queueMicrotask(() => peer?.receive(copy));
    return true;
  }

  receive(bytes: Uint8Array): void {
    this.deliver(bytes);
  }

  protected shutdown(error?: Error): void {
    const peer = this.peer;
    queueMicrotask(() => peer?.remoteClosed(error));
  }

  remoteClosed(error?: Error): void {
    this.finish(error);
  }
}

/** Two connected in-memory transports, delivering in order on the microtask queue. */
export function createMemoryTransportPair(): [Transport, Transport] {
  const a = new MemoryTransport();
  const b = new MemoryTransport();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
