import { z } from 'zod';

/** The key types a person may be bound by: what OpenSSH's ssh-keygen makes today (no DSA, no certificates). */
export const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;
export const KeyType = z.enum(KEY_TYPES);
export type KeyType = z.infer<typeof KeyType>;

/** An OpenSSH public key as written in a .pub file or authorized_keys: `TYPE BASE64 [comment]`. */
export interface PublicKey {
  type: KeyType;
  base64: string;
  comment: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Why `type` and `base64` are not a public key this host binds, or undefined when they are. The blob must start with
 * its own type (a u32 length, then the name), so a key pasted under the wrong type or cut short is caught here
 * instead of silently never matching what sshd sees.
 */
export function keyProblem(type: string, base64: string): string | undefined {
  if (!KeyType.safeParse(type).success) return `the key type "${type}" is not one of ${KEY_TYPES.join(', ')}`;
  if (!BASE64.test(base64) || base64.length % 4 !== 0) return 'the key is not valid base64';
  const blob = Buffer.from(base64, 'base64');
  // A round trip catches what Node's lenient decoder would skip (bits after the padding).
  if (blob.toString('base64') !== base64) return 'the key is not valid base64';
  const named = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (named < 0 || blob.length < 4 + named || blob.subarray(4, 4 + named).toString('latin1') !== type) {
    return `the key's data does not start with its type ${type} (a different key type, or a truncated key)`;
  }
  if (blob.length === 4 + named) return 'the key holds its type but no key material';
  return undefined;
}

/** Parses `TYPE BASE64 [comment]`; throws an Error saying what is wrong. */
export function parsePublicKey(text: string): PublicKey {
  const [type = '', base64 = '', ...comment] = text.trim().split(/\s+/);
  const problem = keyProblem(type, base64);
  if (problem) throw new Error(problem);
  return { type: type as KeyType, base64, comment: comment.join(' ') };
}

/**
 * The blob names its own type, so equal base64 is the same key whatever type word or comment a line puts around it.
 * Comparing the blob alone also catches a line that pairs the key with a wrong type word.
 */
export function sameKey(a: { base64: string }, b: { base64: string }): boolean {
  return a.base64 === b.base64;
}
