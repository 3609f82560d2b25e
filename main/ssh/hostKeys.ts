import type { Store } from '../store/store';
import { FleetError } from './errors';
import { checkKnownHosts, entriesFor, fingerprint, hostKeyName, keyTypeOf, readKnownHosts } from './knownHosts';

export type HostKeyDecision =
  | { kind: 'trusted'; via: 'pin' | 'known_hosts' }
  | { kind: 'unknown'; fingerprint: string; keyType: string }
  | { kind: 'changed'; fingerprint: string; keyType: string; previousFingerprint: string; previousKeyType: string; where: string }
  | { kind: 'revoked'; fingerprint: string; where: string };

function pinsNewestFirst(store: Store, endpoint: string) {
  return store.pinsFor(endpoint).sort((a, b) => b.pinnedAt - a.pinnedAt);
}

/**
 * The app's pins decide first (a pin is the human's explicit choice); known_hosts decides when no pin of the
 * presented type exists. As in OpenSSH, a host with any known key (pin or known_hosts, of any type) that
 * presents a key matching none of them has CHANGED: a key of another type is never treated as a new host.
 * A key listed as @revoked stays refused whatever else vouches for it.
 */
export function decideHostKey(store: Store, host: string, port: number, knownHostsFiles: string[], key: Uint8Array): HostKeyDecision {
  const endpoint = hostKeyName(host, port);
  const keyType = keyTypeOf(key);
  const presented = fingerprint(key);
  const verdict = checkKnownHosts(readKnownHosts(knownHostsFiles), host, port, key);
  if (verdict.kind === 'revoked') return { kind: 'revoked', fingerprint: presented, where: `${verdict.entry.source}:${verdict.entry.line}` };
  const pins = pinsNewestFirst(store, endpoint);
  const pin = pins.find((candidate) => candidate.keyType === keyType);
  if (pin?.key.equals(Buffer.from(key))) return { kind: 'trusted', via: 'pin' };
  if (!pin && verdict.kind === 'match') return { kind: 'trusted', via: 'known_hosts' };
  const changed = { kind: 'changed' as const, fingerprint: presented, keyType };
  const previousPin = pin ?? pins[0];
  if (previousPin) {
    return { ...changed, previousFingerprint: previousPin.fingerprint, previousKeyType: previousPin.keyType, where: 'the Flightdeck pin' };
  }
  if (verdict.kind === 'mismatch') {
    const known = verdict.known[0]!;
    return { ...changed, previousFingerprint: fingerprint(known.key), previousKeyType: known.keyType, where: `${known.source}:${known.line}` };
  }
  return { kind: 'unknown', fingerprint: presented, keyType };
}

/** ssh2's documented default `algorithms.serverHostKey` list, most preferred first. */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** An "ssh-rsa" key signs with any of these algorithms; every other key type names its only algorithm. */
function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/**
 * The host key algorithms to offer, as OpenSSH orders them: the types already known for this endpoint first
 * (pins newest first, then known_hosts), so a host with several keys presents the one we can check instead of
 * one we would have to call changed.
 */
export function hostKeyAlgorithms(store: Store, host: string, port: number, knownHostsFiles: string[]): string[] {
  const knownTypes = [
    ...pinsNewestFirst(store, hostKeyName(host, port)).map((pin) => pin.keyType),
    ...entriesFor(readKnownHosts(knownHostsFiles), host, port).map((entry) => entry.keyType),
  ];
  const preferred = knownTypes.flatMap(algorithmsFor).filter((algorithm) => DEFAULT_HOST_KEY_ALGORITHMS.includes(algorithm));
  return [...new Set([...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}

export function changedKeyError(endpoint: string, decision: Extract<HostKeyDecision, { kind: 'changed' }>): FleetError {
  return new FleetError(
    'host-key-changed',
    `HOST KEY CHANGED for ${endpoint}: it now presents ${decision.keyType} ${decision.fingerprint}, but ${decision.where} ` +
      `has ${decision.previousKeyType} ${decision.previousFingerprint}. This may be an attack (or the host was reinstalled). ` +
      'Refusing to connect; if you verified the new key, re-trust it explicitly (flightdeck host trust NAME).',
    { endpoint, fingerprint: decision.fingerprint, previousFingerprint: decision.previousFingerprint },
  );
}
