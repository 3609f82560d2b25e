import type { Readable, Writable } from 'node:stream';
import { BaseTransport } from '../../common/wire/transport';

const STDERR_TAIL_BYTES = 4096;

/**
 * A Transport over a pair of Node streams: an ssh2 exec channel (stdout/stdin), a child process's stdio, or a direct
 * stream to the daemon's socket (a direct-streamlocal channel, a local socket).
 * stderr is kept (its tail) so a bridge that dies can say why.
 */
export class BridgeTransport extends BaseTransport {
  private stderrTail = '';
  private endedWith: Error | undefined;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    stderr: Readable | null,
    private readonly stop: () => void,
  ) {
    super();
    input.on('data', (chunk: Buffer) => this.deliver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    output.on('drain', () => this.drained());
    output.on('error', () => undefined);
    input.on('error', (error: Error) => this.finish(error));
    stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
  }

  /** What the far side printed on stderr lately. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Why the far side ended (exit status and stderr, as the adapter saw it); kept even when we had closed first. */
  get endError(): Error | undefined {
    return this.endedWith;
  }

  /** The adapter calls this when the underlying process or channel ended. */
  ended(error?: Error): void {
    this.endedWith ??= error;
    this.finish(error);
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    return this.output.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  protected shutdown(): void {
    this.stop();
  }
}
