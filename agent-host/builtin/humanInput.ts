import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../../common/wire/errors';
import { isEndpointClosed, type Endpoint } from './endpoint';
import type { Transcript } from './transcript';

export interface HumanMessage {
  text: string;
  /** Who sent it with `flightdeck agent send`; null when typed at this terminal. */
  by: string | null;
}

type Sent = { text: string; by: string };

/**
 * The next human message while the agent is idle: a line typed at the `> ` prompt or a message sent through the
 * host (agent.nextMessage), whichever comes first. Typing is read only at the prompt; a sent message that arrives
 * while the agent works is kept for the next prompt, never lost.
 */
export class HumanInput {
  /** The outstanding agent.nextMessage: one at a time, reused across prompts until it answers. */
  private sent: Promise<Sent> | undefined;
  private sentUnavailable = false;

  constructor(
    private readonly stdin: Readable & { isTTY?: boolean },
    private readonly stdout: Writable & { isTTY?: boolean },
    private readonly endpoint: Endpoint,
    private readonly transcript: Transcript,
    private readonly shutdown: AbortSignal,
  ) {}

  /** Shows the prompt. null: the human is done (Ctrl-C or end of input), or the agent is shutting down. */
  async next(): Promise<HumanMessage | null> {
    if (this.shutdown.aborted) return null;
    const prompt = this.prompt();
    let stop!: () => void;
    const stopped = new Promise<null>((resolve) => (stop = () => resolve(null)));
    this.shutdown.addEventListener('abort', stop, { once: true });
    try {
      const first = await Promise.race([
        prompt.line.then((text) => (text === null ? null : { text, by: null })),
        this.sentMessage(),
        stopped,
      ]);
      if (first !== null && first.by !== null) {
        this.sent = undefined;
        // The prompt line is left as it was (with whatever was half typed): the message goes on a line of its own.
        this.stdout.write('\n');
      }
      return first;
    } finally {
      this.shutdown.removeEventListener('abort', stop);
      prompt.close();
    }
  }

  private sentMessage(): Promise<Sent> {
    if (this.sentUnavailable) return new Promise<Sent>(() => undefined);
    if (!this.sent) {
      const request = this.endpoint.request('agent.nextMessage', {});
      this.sent = request.catch((error: unknown) => {
        if (isEndpointClosed(error)) throw error;
        this.transcript.warn(`messages sent through Flightdeck cannot be received: ${errorMessage(error)}`);
        this.sentUnavailable = true;
        return new Promise<Sent>(() => undefined);
      });
      // Settling while the agent works is expected: it is consumed at the next prompt.
      this.sent.catch(() => undefined);
    }
    return this.sent;
  }

  /**
   * A readline for this prompt only: between prompts the terminal stays in its normal mode, so Ctrl-C while the
   * agent works reaches the process (and interrupts the turn). Lines that arrive together (a paste) are one message.
   */
  private prompt(): { line: Promise<string | null>; close: () => void } {
    if (this.stdin.readableEnded) return { line: Promise.resolve(null), close: () => undefined };
    const terminal = Boolean(this.stdin.isTTY && this.stdout.isTTY);
    const rl = createInterface({ input: this.stdin, output: this.stdout, terminal, prompt: '> ' });
    const lines: string[] = [];
    const line = new Promise<string | null>((resolve) => {
      rl.on('line', (text) => {
        lines.push(text);
        // The rest of a paste arrives in the same read: emitted before this immediate runs.
        if (lines.length === 1) setImmediate(() => resolve(lines.join('\n')));
      });
      rl.on('close', () => resolve(lines.length > 0 ? lines.join('\n') : null));
      rl.on('SIGINT', () => resolve(null));
    });
    rl.prompt();
    return { line, close: () => rl.close() };
  }
}
