import { terminalKey } from '../../common/app/api';
import type { CoreClient } from '../../main/core/coreClient';
import type { FleetCore } from '../../main/core/fleetCore';
import { deferred } from './world';

interface Stream {
  next: number;
  chunks: Buffer[];
  waiters: Array<{ predicate: (stream: Stream) => boolean; resolve: () => void }>;
  ended: boolean;
}

/**
 * The consumer end of a core client: per terminal key, checks offsets are contiguous (a gap or duplicate fails the
 * test), acks like the renderer does, and lets a test wait for content or for the host's "ended".
 */
export class TerminalCollector {
  private readonly streams = new Map<string, Stream>();
  failure: Error | undefined;

  /**
   * strictStart: streams must begin at offset 0 (attach from 0 with every byte retained). Otherwise the first
   * frame may start later (the host answered with a snapshot because the journal was already cut).
   */
  constructor(private readonly options: { strictStart?: boolean } = {}) {}

  private stream(key: string): Stream {
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { next: this.options.strictStart === false ? -1 : 0, chunks: [], waiters: [], ended: false };
      this.streams.set(key, stream);
    }
    return stream;
  }

  /** Call from the client's output callback; returns the offset to ack. */
  output(key: string, offset: number, data: Uint8Array): number {
    const stream = this.stream(key);
    if (stream.next < 0) stream.next = offset;
    if (offset !== stream.next) this.failure ??= new Error(`${key}: output at ${offset}, expected ${stream.next}`);
    stream.next = offset + data.length;
    stream.chunks.push(Buffer.from(data));
    this.check(stream);
    return stream.next;
  }

  ended(key: string): void {
    const stream = this.stream(key);
    stream.ended = true;
    this.check(stream);
  }

  bytes(key: string): Buffer {
    const stream = this.stream(key);
    const whole = Buffer.concat(stream.chunks);
    stream.chunks = [whole];
    return whole;
  }

  size(key: string): number {
    return this.stream(key).next;
  }

  until(key: string, predicate: (collector: { size: number; ended: boolean; text: () => string }) => boolean): Promise<void> {
    const stream = this.stream(key);
    const view = () => ({ size: stream.next, ended: stream.ended, text: () => this.bytes(key).toString('utf8') });
    if (predicate(view())) return Promise.resolve();
    const done = deferred();
    stream.waiters.push({ predicate: () => predicate(view()), resolve: done.resolve });
    return done.promise;
  }

  private check(stream: Stream): void {
    for (const waiter of [...stream.waiters]) {
      if (waiter.predicate(stream)) {
        stream.waiters = stream.waiters.filter((candidate) => candidate !== waiter);
        waiter.resolve();
      }
    }
  }
}

/** A core client whose terminals feed a collector and ack every byte. */
export function collectingClient(core: FleetCore, collector: TerminalCollector, onNotify?: (method: string, params: unknown) => void): CoreClient {
  const client: CoreClient = core.openClient({
    notify: (method, params) => {
      if (method === 'terminal.viewer') {
        const { host, event } = params as { host: string; event: { sessionId: string; state: string } };
        if (event.state === 'ended') collector.ended(terminalKey(host, event.sessionId));
      }
      onNotify?.(method, params);
    },
    output: (key, offset, data) => client.ack(key, collector.output(key, offset, data)),
  });
  return client;
}
