import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../store/store';
import { decideHostKey } from './hostKeys';
import { fingerprint } from './knownHosts';

function ed25519Blob(seed: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const out = Buffer.alloc(4 + type.length + 4 + 32, seed);
  out.writeUInt32BE(type.length, 0);
  type.copy(out, 4);
  out.writeUInt32BE(32, 4 + type.length);
  return out;
}

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
});
