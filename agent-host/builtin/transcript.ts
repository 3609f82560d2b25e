import type { Writable } from 'node:stream';
import type { TokenUsage } from '../../common/protocol/agents';
import { redactSecrets } from '../../common/security/redact';

const ARGS_CHARS = 160;
const RESULT_CHARS = 160;

type Style = 'dim' | 'bold' | 'red' | 'green' | 'yellow' | 'cyan';
const CODES: Record<Style, string> = { dim: '2', bold: '1', red: '31', green: '32', yellow: '33', cyan: '36' };

/** Control characters (escape sequences above all) from the model or a command could repaint the viewers' screens. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const printable = (text: string): string => text.replace(/\r\n/g, '\n').replace(CONTROL, '\ufffd');

const oneLine = (text: string, max: number): string => {
  const line = printable(text.replace(/\s*\n\s*/g, ' ⏎ '));
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * What the PTY shows (and the daemon's journal keeps): the model's text as it streams, one line per tool call and
 * per result, a token line per model call. Plain lines with a little colour; tool arguments and results are
 * redacted of secret shapes before they are shown, since the journal outlives the screen.
 */
export class Transcript {
  private atLineStart = true;

  constructor(
    private readonly out: Writable,
    private readonly colors: boolean,
  ) {}

  /** A piece of the model's streamed text, as it arrives. */
  text(delta: string): void {
    if (delta === '') return;
    this.out.write(printable(delta));
    this.atLineStart = delta.endsWith('\n');
  }

  toolCall(name: string, input: unknown): void {
    this.line(`${this.paint('cyan', `→ ${name}`)} ${oneLine(redactSecrets(JSON.stringify(input) ?? ''), ARGS_CHARS)}`);
  }

  toolResult(ok: boolean, summary: string): void {
    const mark = ok ? this.paint('green', '  ✓') : this.paint('red', '  ✗');
    this.line(`${mark} ${this.paint('dim', oneLine(redactSecrets(summary), RESULT_CHARS))}`);
  }

  usage(usage: TokenUsage, costUsd: number | null): void {
    const parts = [`${count(usage.inputTokens)} in`];
    if (usage.cacheReadTokens > 0) parts.push(`${count(usage.cacheReadTokens)} cache read`);
    if (usage.cacheWriteTokens > 0) parts.push(`${count(usage.cacheWriteTokens)} cache write`);
    parts.push(`${count(usage.outputTokens)} out`);
    const cost = costUsd === null ? '' : ` · $${costUsd.toFixed(4)} so far`;
    this.line(this.paint('dim', `  tokens: ${parts.join(' · ')}${cost}`));
  }

  message(by: string, text: string): void {
    this.line(`${this.paint('bold', `[message from ${printable(by)}]`)} ${printable(text)}`);
  }

  info(text: string): void {
    this.line(this.paint('dim', text));
  }

  warn(text: string): void {
    this.line(this.paint('yellow', text));
  }

  error(text: string): void {
    this.line(this.paint('red', text));
  }

  /** The terminal echoed a key (^C) where the cursor was: what follows starts on a fresh line. */
  afterEchoedKey(): void {
    this.out.write('\n');
    this.atLineStart = true;
  }

  /** Ends a streamed line, so what follows starts on its own. */
  endLine(): void {
    if (!this.atLineStart) this.out.write('\n');
    this.atLineStart = true;
  }

  private line(text: string): void {
    this.endLine();
    this.out.write(`${text}\n`);
  }

  private paint(style: Style, text: string): string {
    return this.colors ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
  }
}
