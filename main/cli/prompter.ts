import { createInterface } from 'node:readline';
import type { Prompt } from '../../common/app/prompts';
import type { FleetCore } from '../core/fleetCore';

export interface TrustPolicy {
  /** Ask on the terminal (stdin and stderr are TTYs). */
  interactive: boolean;
  /** Trust a key only if it has exactly this fingerprint (verified out of band): the scriptable way. */
  fingerprint?: string;
  /** Trust whatever key is presented (--yes): only for keys verified some other way. */
  acceptAny?: boolean;
}

type HostKeyPrompt = Extract<Prompt, { kind: 'host-key' }>;

/** Answers the core's prompts on the terminal, or by policy when not interactive; remembers what it refused. */
export class CliPrompter {
  refusedHostKey: HostKeyPrompt | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly core: FleetCore,
    private readonly policy: TrustPolicy,
  ) {
    core.onEvent((event) => {
      if (event.type !== 'prompts.raised') return;
      const prompt = event.prompt;
      // One question at a time on one terminal.
      this.queue = this.queue.then(() => this.answer(prompt)).catch(() => undefined);
    });
  }

  private async answer(prompt: Prompt): Promise<void> {
    if (prompt.kind === 'host-key') {
      const trust = await this.decideHostKey(prompt);
      if (!trust) this.refusedHostKey = prompt;
      this.core.prompts.answer({ id: prompt.id, kind: 'host-key', trust });
      return;
    }
    const passphrase = this.policy.interactive
      ? await readSecret(`${prompt.retry ? 'Wrong passphrase. ' : ''}Passphrase for ${prompt.keyPath} (host ${prompt.host}): `)
      : null;
    if (!this.policy.interactive) {
      process.stderr.write(`flightdeck: key ${prompt.keyPath} is encrypted; add it to ssh-agent (ssh-add) or run interactively\n`);
    }
    this.core.prompts.answer({ id: prompt.id, kind: 'passphrase', passphrase });
  }

  private async decideHostKey(prompt: HostKeyPrompt): Promise<boolean> {
    if (this.policy.fingerprint) return this.policy.fingerprint === prompt.fingerprint;
    if (this.policy.acceptAny) return true;
    if (!this.policy.interactive) return false;
    const lines =
      prompt.reason === 'changed'
        ? [
            `WARNING: the host key of ${prompt.endpoint} (host ${prompt.host}) has CHANGED.`,
            `  previously: ${prompt.previousFingerprint}`,
            `  now:        ${prompt.algorithm} ${prompt.fingerprint}`,
            'Someone could be intercepting the connection, or the host was reinstalled. Verify with its administrator.',
          ]
        : [`The authenticity of ${prompt.endpoint} (host ${prompt.host}) is not known yet.`, `  ${prompt.algorithm} key fingerprint is ${prompt.fingerprint}`];
    process.stderr.write(`${lines.join('\n')}\n`);
    const reply = await readLine('Trust this key and continue connecting? [y/N] ');
    return /^y(es)?$/i.test(reply.trim());
  }
}

function readLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      // Before close(): closing fires the 'close' listener below, which would answer "" first.
      resolve(answer);
      rl.close();
    });
    rl.once('close', () => resolve(''));
  });
}

/** Reads a line without echo. An empty answer or Ctrl-C / Ctrl-D gives null (skip this key). */
function readSecret(question: string): Promise<string | null> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    const wasRaw = stdin.isRaw;
    stdin.setRawMode?.(true);
    stdin.resume();
    let value = '';
    const done = (result: string | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(wasRaw ?? false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(value === '' ? null : value);
        if (char === '\u0003' || char === '\u0004') return done(null);
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}
