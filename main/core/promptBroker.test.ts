import { describe, expect, it } from 'vitest';
import type { Prompt } from '../../common/app/prompts';
import { PromptBroker } from './promptBroker';

describe('PromptBroker', () => {
  const question = { kind: 'host-key' as const, host: 'vm', endpoint: '[vm]:22', algorithm: 'ssh-ed25519', fingerprint: 'SHA256:x', reason: 'unknown' as const, previousFingerprint: null };

  it('raises a prompt, lists it while pending, and settles it with the first answer only', async () => {
    const broker = new PromptBroker();
    const raised: Prompt[] = [];
    const settled: string[] = [];
    broker.onRaised((prompt) => raised.push(prompt));
    broker.onSettled((id) => settled.push(id));
    const trusted = broker.hostKey(question);
    expect(broker.list()).toEqual(raised);
    const id = raised[0]!.id;
    expect(broker.answer({ id, kind: 'passphrase', passphrase: 'x' })).toBe(false);
    expect(broker.answer({ id, kind: 'host-key', trust: true })).toBe(true);
    expect(broker.answer({ id, kind: 'host-key', trust: false })).toBe(false);
    expect(await trusted).toBe(true);
    expect(settled).toEqual([id]);
    expect(broker.list()).toEqual([]);
  });

  it('remembers a passphrase for reconnects, asks again after a wrong one, and withdraws as "no"', async () => {
    const broker = new PromptBroker();
    broker.onRaised((prompt) => {
      if (prompt.kind === 'passphrase') broker.answer({ id: prompt.id, kind: 'passphrase', passphrase: prompt.retry ? 'second' : 'first' });
    });
    expect(await broker.passphrase({ kind: 'passphrase', host: 'vm', keyPath: '/k', retry: false })).toBe('first');
    expect(await broker.passphrase({ kind: 'passphrase', host: 'vm', keyPath: '/k', retry: false })).toBe('first');
    expect(await broker.passphrase({ kind: 'passphrase', host: 'vm', keyPath: '/k', retry: true })).toBe('second');

    const silent = new PromptBroker();
    const pending = silent.hostKey(question);
    silent.withdrawAll();
    expect(await pending).toBe(false);
  });

  it('withdraws a prompt when its attempt aborts (settled fires, the answer is "no") and raises none for an aborted one', async () => {
    const broker = new PromptBroker();
    const raised: Prompt[] = [];
    const settled: string[] = [];
    broker.onRaised((prompt) => raised.push(prompt));
    broker.onSettled((id) => settled.push(id));
    const attempt = new AbortController();
    const trusted = broker.hostKey(question, attempt.signal);
    const passphrase = broker.passphrase({ kind: 'passphrase', host: 'vm', keyPath: '/k', retry: false }, attempt.signal);
    attempt.abort();
    expect(await trusted).toBe(false);
    expect(await passphrase).toBe(null);
    expect(settled).toEqual(raised.map((prompt) => prompt.id));
    expect(broker.list()).toEqual([]);
    expect(broker.answer({ id: raised[0]!.id, kind: 'host-key', trust: true })).toBe(false);

    expect(await broker.hostKey(question, attempt.signal)).toBe(false);
    expect(raised).toHaveLength(2);
  });
});
