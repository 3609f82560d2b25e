import { percentile } from './stats';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/**
 * Keystroke echo: send one byte, wait until exactly that byte comes back, repeat. The next byte is sent only
 * after the previous echo arrived, so every sample is one full round trip. Warm-up trips are not counted.
 */
export class EchoProbe {
  private waiting: { byte: string; resolve: () => void } | undefined;
  private seen = '';

  constructor(private readonly send: (byte: string) => void) {}

  /** Everything the other side printed; call it from the transport's data handler. */
  receive(data: string | Uint8Array): void {
    this.seen += typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    const waiting = this.waiting;
    if (waiting && this.seen.includes(waiting.byte)) {
      this.waiting = undefined;
      this.seen = '';
      waiting.resolve();
    }
  }

  private roundTrip(byte: string): Promise<number> {
    return new Promise((resolve) => {
      const started = process.hrtime.bigint();
      this.seen = '';
      this.waiting = { byte, resolve: () => resolve(Number(process.hrtime.bigint() - started) / 1e6) };
      this.send(byte);
    });
  }

  /** Resolves once the other side echoes at all (the PTY and its line discipline are up). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const echoed = await Promise.race([this.roundTrip('.').then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 250))]);
      if (echoed) return;
      if (Date.now() > deadline) throw new Error('no echo within the timeout');
    }
  }

  async measure(trips: number, warmup = 20): Promise<{ p50: number; p99: number }> {
    const samples: number[] = [];
    for (let index = 0; index < warmup + trips; index++) {
      const latency = await this.roundTrip(ALPHABET[index % ALPHABET.length]!);
      if (index >= warmup) samples.push(latency);
    }
    return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
  }
}
