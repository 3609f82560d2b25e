import { z } from 'zod';

/**
 * Questions the core cannot answer alone. Connection code raises them; whichever UI is attached
 * (dialog in the app, prompt in the CLI) answers. Nothing is sent to a host before a trust answer.
 */
export const HostKeyPrompt = z.object({
  id: z.string(),
  kind: z.literal('host-key'),
  host: z.string(),
  /** Where the key was presented, e.g. "[10.0.0.5]:22". */
  endpoint: z.string(),
  algorithm: z.string(),
  fingerprint: z.string(),
  /** unknown: never seen; changed: differs from known_hosts or a pin (refused unless re-trusted explicitly). */
  reason: z.enum(['unknown', 'changed']),
  previousFingerprint: z.string().nullable(),
});

export const PassphrasePrompt = z.object({
  id: z.string(),
  kind: z.literal('passphrase'),
  host: z.string(),
  keyPath: z.string(),
  /** Set when a previous passphrase was wrong. */
  retry: z.boolean(),
});

export const Prompt = z.discriminatedUnion('kind', [HostKeyPrompt, PassphrasePrompt]);
export type Prompt = z.infer<typeof Prompt>;

export const PromptAnswer = z.discriminatedUnion('kind', [
  z.object({ id: z.string(), kind: z.literal('host-key'), trust: z.boolean() }),
  z.object({ id: z.string(), kind: z.literal('passphrase'), passphrase: z.string().max(4096).nullable() }),
]);
export type PromptAnswer = z.infer<typeof PromptAnswer>;
