import { createInterface } from 'node:readline';
import type { Prompt } from '../../common/app/prompts';
import type { FleetCore } from '../core/fleetCore';

export interface TrustPolicy {
  /** Ask on the terminal (stdin and stderr are TTYs). */
  interactive: boolean;
  /** Trust a key only if it has exactly this fingerprint (verified out of band): the scriptable way. */
  fingerprint?: string;
  /**
   * --yes: trust the key of a host that has no known key yet (never one that replaces a known key), for every
   * host (`host: null`) or only for the Flightdeck host named by --yes=HOST.
   */
  yes?: { host: string | null };
}

type HostKeyPrompt = Extract<Prompt, { kind: 'host-key' }>;

function note(text: string): void {
  process.stderr.write(`flightdeck: ${text}\n`);
}

/** Answers the core's prompts on the terminal, or by policy when not interactive; remembers what it refused. */
export class CliPrompter {
  refusedHostKey: HostKeyPrompt | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** The question on the terminal now, to take it back when the core withdraws it. */
  private asking: { id: string; withdrawn: AbortController } | null = null;

  constructor(
    private readonly core: FleetCore,
    private readonly policy: TrustPolicy,
  ) {
    core.onEvent((event) => {
      if (event.type === 'prompts.settled' && this.asking?.id === event.id) this.asking.withdrawn.abort();
      if (event.type !== 'prompts.raised') return;
      const prompt = event.prompt;
      // One question at a time on one terminal.
      this.queue = this.queue.then(() => this.answer(prompt)).catch(() => undefined);
    });
  }

  private async answer(prompt: Prompt): Promise<void> {
    // Withdrawn while it waited its turn (its connection attempt ended): nothing to ask.
    if (!this.core.prompts.list().some((pending) => pending.id === prompt.id)) return;
    const withdrawn = new AbortController();
    this.asking = { id: prompt.id, withdrawn };
    try {
      if (prompt.kind === 'host-key') {
        const trust = await this.decideHostKey(prompt, withdrawn.signal);
        if (withdrawn.signal.aborted) return note(`the question about ${prompt.endpoint} was withdrawn: its connection attempt ended`);
        if (!trust) this.refusedHostKey = prompt;
        this.core.prompts.answer({ id: prompt.id, kind: 'host-key', trust });
        return;
      }
      if (!this.policy.interactive) note(`key ${prompt.keyPath} is encrypted; add it to ssh-agent (ssh-add) or run interactively`);
      const passphrase = this.policy.interactive
        ? await readSecret(`${prompt.retry ? 'Wrong passphrase. ' : ''}Passphrase for ${prompt.keyPath} (host ${prompt.host}): `, withdrawn.signal)
        : null;
      if (withdrawn.signal.aborted) return note(`the passphrase question for ${prompt.keyPath} was withdrawn: its connection attempt ended`);
      this.core.prompts.answer({ id: prompt.id, kind: 'passphrase', passphrase });
    } finally {
      this.asking = null;
    }
  }

  private async decideHostKey(prompt: HostKeyPrompt, withdrawn: AbortSignal): Promise<boolean> {
    if (this.policy.fingerprint) return this.policy.fingerprint === prompt.fingerprint;
    if (this.acceptsWithYes(prompt)) {
      note(`--yes: trusting the new host key of ${prompt.endpoint} (host ${prompt.host}): ${prompt.algorithm} ${prompt.fingerprint}`);
      return true;
    }
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
    const reply = await readLine('Trust this key and continue connecting? [y/N] ', withdrawn);
    return /^y(es)?$/i.test(reply.trim());
  }

  /** --yes only ever trusts a host's first key, and --yes=HOST only that host's; it says so when it does not apply. */
  private acceptsWithYes(prompt: HostKeyPrompt): boolean {
    const yes = this.policy.yes;
    if (!yes) return false;
    if (prompt.reason !== 'unknown') {
      note(`--yes does not replace the known host key of ${prompt.endpoint} (host ${prompt.host}); only a verified --fingerprint or an interactive answer does`);
      return false;
    }
    if (yes.host !== null && yes.host !== prompt.host) {
      note(`--yes=${yes.host} does not apply to host ${prompt.host} (${prompt.endpoint})`);
      return false;
    }
    return true;
  }
}

/** Reads a line; an abort (the question was withdrawn) ends it with "". */
function readLine(question: string, withdrawn: AbortSignal): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    const close = (): void => rl.close();
    withdrawn.addEventListener('abort', close, { once: true });
    rl.question(question, (answer) => {
      // Before close(): closing fires the 'close' listener below, which would answer "" first.
      resolve(answer);
      rl.close();
    });
    rl.once('close', () => {
      withdrawn.removeEventListener('abort', close);
      resolve('');
    });
  });
}

/** Reads a line without echo. An empty answer, Ctrl-C / Ctrl-D or a withdrawal gives null (skip this key). */
function readSecret(question: string, withdrawn: AbortSignal): Promise<string | null> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    const wasRaw = stdin.isRaw;
    // Raw (no echo) before the question shows: an answer typed as soon as it appears must not be echoed.
    stdin.setRawMode?.(true);
    stdin.resume();
    process.stderr.write(question);
    let value = '';
    const done = (result: string | null): void => {
      stdin.off('data', onData);
      withdrawn.removeEventListener('abort', onWithdrawn);
      stdin.setRawMode?.(wasRaw ?? false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(result);
    };
    const onWithdrawn = (): void => done(null);
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(value === '' ? null : value);
        if (char === '\u0003' || char === '\u0004') return done(null);
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    withdrawn.addEventListener('abort', onWithdrawn, { once: true });
    stdin.on('data', onData);
  });
}
