import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkKnownHosts, fingerprint, hostKeyName, keyTypeOf, parseKnownHosts } from './knownHosts';

/** A syntactically real ssh-ed25519 public key blob: string "ssh-ed25519", string 32 key bytes. */
function ed25519Blob(seed: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, seed);
  const out = Buffer.alloc(4 + type.length + 4 + key.length);
  out.writeUInt32BE(type.length, 0);
  type.copy(out, 4);
  out.writeUInt32BE(key.length, 4 + type.length);
  key.copy(out, 8 + type.length);
  return out;
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const keyA = ed25519Blob(1);
const keyB = ed25519Blob(2);
const line = (hosts: string, key: Buffer) => `${hosts} ssh-ed25519 ${key.toString('base64')}`;

describe('known_hosts', () => {
  it('names non-standard ports as [host]:port', () => {
    expect(hostKeyName('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(hostKeyName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });

  it('matches plain, bracketed-port and hashed entries', () => {
    const entries = parseKnownHosts(
      [line('plain.example,10.0.0.1', keyA), line('[127.0.0.1]:2222', keyA), line(hashed('[hidden.example]:2200'), keyA), line(hashed('bare.example'), keyA)].join('\n'),
    );
    expect(checkKnownHosts(entries, 'plain.example', 22, keyA).kind).toBe('match');
    expect(checkKnownHosts(entries, '10.0.0.1', 22, keyA).kind).toBe('match');
    expect(checkKnownHosts(entries, '127.0.0.1', 2222, keyA).kind).toBe('match');
    expect(checkKnownHosts(entries, '127.0.0.1', 22, keyA).kind).toBe('unknown');
    expect(checkKnownHosts(entries, 'hidden.example', 2200, keyA).kind).toBe('match');
    expect(checkKnownHosts(entries, 'hidden.example', 22, keyA).kind).toBe('unknown');
    expect(checkKnownHosts(entries, 'bare.example', 22, keyA).kind).toBe('match');
  });

  it('reports a different key of the same type as a mismatch, with the known key', () => {
    const entries = parseKnownHosts(line(hashed('[127.0.0.1]:2222'), keyA));
    const verdict = checkKnownHosts(entries, '127.0.0.1', 2222, keyB);
    expect(verdict.kind).toBe('mismatch');
    if (verdict.kind === 'mismatch') expect(fingerprint(verdict.known[0]!.key)).toBe(fingerprint(keyA));
  });

  it('reports a key of another type as a mismatch too, listing known keys of the presented type first', () => {
    const rsa = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa'), Buffer.alloc(16, 9)]);
    const entries = parseKnownHosts([`vm ssh-rsa ${Buffer.concat([rsa, Buffer.from([1])]).toString('base64')}`, line('vm', keyA)].join('\n'));
    const other = checkKnownHosts(entries, 'vm', 22, keyB);
    expect(other.kind === 'mismatch' && other.known.map((entry) => entry.keyType)).toEqual(['ssh-ed25519', 'ssh-rsa']);
    const rsaVerdict = checkKnownHosts(parseKnownHosts(line('vm', keyA)), 'vm', 22, rsa);
    expect(rsaVerdict.kind).toBe('mismatch');
  });

  it('honours wildcards, negations, comments, @revoked and skips @cert-authority', () => {
    const entries = parseKnownHosts(
      [
        '# a comment',
        '',
        line('*.corp.example,!evil.corp.example', keyA),
        `@revoked ${line('revoked.example', keyB)}`,
        `@cert-authority ${line('*.ca.example', keyA)}`,
        'garbage',
      ].join('\n'),
    );
    expect(entries).toHaveLength(3);
    expect(checkKnownHosts(entries, 'vm1.corp.example', 22, keyA).kind).toBe('match');
    expect(checkKnownHosts(entries, 'evil.corp.example', 22, keyA).kind).toBe('unknown');
    expect(checkKnownHosts(entries, 'revoked.example', 22, keyB).kind).toBe('revoked');
    expect(checkKnownHosts(entries, 'x.ca.example', 22, keyA).kind).toBe('unknown');
  });

  it('fingerprints like OpenSSH and reads the key type from the blob', () => {
    expect(keyTypeOf(keyA)).toBe('ssh-ed25519');
    expect(fingerprint(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
