import { randomUUID } from 'node:crypto';
import type { Prompt, PromptAnswer } from '../../common/app/prompts';
import { Emitter, type Unsubscribe } from '../../common/events';
import type { HostKeyQuestion, PassphraseQuestion, Prompter } from '../ssh/connect';

type Pending = { prompt: Prompt; settle: (answer: PromptAnswer | null) => void };

/**
 * Questions for the human, raised by connection code and answered by whichever UI is attached (any window,
 * or the CLI). A prompt stays pending until answered or withdrawn (its attempt's signal aborted, or shutdown):
 * either way `settled` fires, so every UI closes it. A passphrase is remembered in memory only, so an automatic
 * reconnect does not ask again.
 */
export class PromptBroker implements Prompter {
  private readonly pending = new Map<string, Pending>();
  private readonly raisedEvents = new Emitter<Prompt>();
  private readonly settledEvents = new Emitter<string>();
  private readonly passphrases = new Map<string, string>();

  onRaised(listener: (prompt: Prompt) => void): Unsubscribe {
    return this.raisedEvents.on(listener);
  }

  onSettled(listener: (id: string) => void): Unsubscribe {
    return this.settledEvents.on(listener);
  }

  list(): Prompt[] {
    return [...this.pending.values()].map((entry) => entry.prompt);
  }

  async hostKey(question: HostKeyQuestion, signal?: AbortSignal): Promise<boolean> {
    const answer = await this.raise({ ...question, id: randomUUID() }, signal);
    return answer?.kind === 'host-key' && answer.trust;
  }

  async passphrase(question: PassphraseQuestion, signal?: AbortSignal): Promise<string | null> {
    const remembered = this.passphrases.get(question.keyPath);
    if (remembered !== undefined && !question.retry) return remembered;
    const answer = await this.raise({ ...question, id: randomUUID() }, signal);
    const passphrase = answer?.kind === 'passphrase' ? answer.passphrase : null;
    if (passphrase === null) this.passphrases.delete(question.keyPath);
    else this.passphrases.set(question.keyPath, passphrase);
    return passphrase;
  }

  /** Returns false when no such prompt is pending (already answered elsewhere) or the answer is of the wrong kind. */
  answer(answer: PromptAnswer): boolean {
    const entry = this.pending.get(answer.id);
    if (!entry || entry.prompt.kind !== answer.kind) return false;
    this.settle(answer.id, answer);
    return true;
  }

  /** Withdraws every pending prompt (shutdown): the waiting connection attempts fail as "not trusted". */
  withdrawAll(): void {
    for (const id of [...this.pending.keys()]) this.settle(id, null);
  }

  /** Withdrawn (answers null) when `signal` aborts: the attempt that asked no longer waits for it. */
  private raise(prompt: Prompt, signal: AbortSignal | undefined): Promise<PromptAnswer | null> {
    if (signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const withdraw = (): void => this.settle(prompt.id, null);
      signal?.addEventListener('abort', withdraw, { once: true });
      this.pending.set(prompt.id, {
        prompt,
        settle: (answer) => {
          signal?.removeEventListener('abort', withdraw);
          resolve(answer);
        },
      });
      this.raisedEvents.emit(prompt);
    });
  }

  private settle(id: string, answer: PromptAnswer | null): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.settle(answer);
    this.settledEvents.emit(id);
  }
}
