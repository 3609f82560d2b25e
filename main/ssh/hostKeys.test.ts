import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../store/store';
import { decideHostKey, hostKeyAlgorithms } from './hostKeys';
import { fingerprint } from './knownHosts';

/** A key blob of `type` (its first string), the rest filled with `seed`. */
function keyBlob(seed: number, type = 'ssh-ed25519'): Buffer {
  const name = Buffer.from(type);
  const out = Buffer.alloc(4 + name.length + 4 + 32, seed);
  out.writeUInt32BE(name.length, 0);
  name.copy(out, 4);
  out.writeUInt32BE(32, 4 + name.length);
  return out;
}
const ed25519Blob = (seed: number): Buffer => keyBlob(seed);

describe('decideHostKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-hostkeys-'));
  const store = Store.open(join(dir, 'home'));
  const knownHosts = join(dir, 'known_hosts');
  const keyA = ed25519Blob(1);
  const keyB = ed25519Blob(2);
  writeFileSync(knownHosts, `[vm]:2222 ssh-ed25519 ${keyA.toString('base64')}\n`);
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts known_hosts, calls another key of the same type changed, and a new endpoint unknown', () => {
    expect(decideHostKey(store, 'vm', 2222, [knownHosts], keyA)).toEqual({ kind: 'trusted', via: 'known_hosts' });
    expect(decideHostKey(store, 'vm', 2222, [knownHosts], keyB)).toMatchObject({
      kind: 'changed',
      fingerprint: fingerprint(keyB),
      previousFingerprint: fingerprint(keyA),
    });
    expect(decideHostKey(store, 'other', 22, [knownHosts], keyB)).toMatchObject({ kind: 'unknown', fingerprint: fingerprint(keyB) });
  });

  it('lets an explicit pin decide before known_hosts', () => {
    store.pin('[vm]:2222', 'ssh-ed25519', keyB, fingerprint(keyB));
    expect(decideHostKey(store, 'vm', 2222, [knownHosts], keyB)).toEqual({ kind: 'trusted', via: 'pin' });
    expect(decideHostKey(store, 'vm', 2222, [knownHosts], keyA)).toMatchObject({ kind: 'changed', where: 'the Flightdeck pin' });
  });

  it('calls a key of another type from a host with a known key changed, never unknown', () => {
    const rsa = keyBlob(3, 'ssh-rsa');
    expect(decideHostKey(store, 'vm', 2222, [knownHosts], rsa)).toMatchObject({
      kind: 'changed',
      keyType: 'ssh-rsa',
      previousKeyType: 'ssh-ed25519',
      where: 'the Flightdeck pin',
    });
    expect(decideHostKey(store, 'fresh', 22, [knownHosts], rsa)).toMatchObject({ kind: 'unknown' });
    writeFileSync(knownHosts, `fresh ssh-ed25519 ${keyA.toString('base64')}\n`);
    expect(decideHostKey(store, 'fresh', 22, [knownHosts], rsa)).toMatchObject({
      kind: 'changed',
      previousFingerprint: fingerprint(keyA),
      where: `${knownHosts}:1`,
    });
  });

  it('keeps a @revoked key refused even when a pin vouches for it', () => {
    const revoked = join(dir, 'revoked');
    writeFileSync(revoked, `@revoked [vm]:2222 ssh-ed25519 ${keyB.toString('base64')}\n`);
    expect(decideHostKey(store, 'vm', 2222, [revoked], keyB)).toMatchObject({ kind: 'revoked', where: `${revoked}:1` });
  });

  it('asks for the key types already known first (pins, then known_hosts), then ssh2 defaults', () => {
    const rsaKnown = join(dir, 'rsa_known');
    writeFileSync(rsaKnown, `rsahost ssh-rsa ${keyBlob(4, 'ssh-rsa').toString('base64')}\n`);
    expect(hostKeyAlgorithms(store, 'rsahost', 22, [rsaKnown]).slice(0, 4)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
    store.pin('rsahost', 'ecdsa-sha2-nistp256', keyBlob(5, 'ecdsa-sha2-nistp256'), 'SHA256:x');
    expect(hostKeyAlgorithms(store, 'rsahost', 22, [rsaKnown])).toEqual([
      'ecdsa-sha2-nistp256',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
    ]);
    expect(hostKeyAlgorithms(store, 'nobody', 22, [rsaKnown])[0]).toBe('ssh-ed25519');
  });
});
