import type { Store } from '../store/store';
import { FleetError } from './errors';
import { checkKnownHosts, fingerprint, hostKeyName, keyTypeOf, readKnownHosts } from './knownHosts';

export type HostKeyDecision =
  | { kind: 'trusted'; via: 'pin' | 'known_hosts' }
  | { kind: 'unknown'; fingerprint: string; keyType: string }
  | { kind: 'changed'; fingerprint: string; previousFingerprint: string; keyType: string; where: string }
  | { kind: 'revoked'; fingerprint: string; where: string };

/**
 * The app's pins decide first (a pin is the human's explicit choice); known_hosts decides when there is no pin.
 * A pin of another key type does not vouch for this key: it is unknown, as in OpenSSH.
 */
export function decideHostKey(store: Store, host: string, port: number, knownHostsFiles: string[], key: Uint8Array): HostKeyDecision {
  const endpoint = hostKeyName(host, port);
  const keyType = keyTypeOf(key);
  const presented = fingerprint(key);
  const pin = store.pinsFor(endpoint).find((candidate) => candidate.keyType === keyType);
  if (pin) {
    if (pin.key.equals(Buffer.from(key))) return { kind: 'trusted', via: 'pin' };
    return { kind: 'changed', fingerprint: presented, previousFingerprint: pin.fingerprint, keyType, where: 'the Flightdeck pin' };
  }
  const verdict = checkKnownHosts(readKnownHosts(knownHostsFiles), host, port, key);
  switch (verdict.kind) {
    case 'match':
      return { kind: 'trusted', via: 'known_hosts' };
    case 'revoked':
      return { kind: 'revoked', fingerprint: presented, where: `${verdict.entry.source}:${verdict.entry.line}` };
    case 'mismatch': {
      const known = verdict.known[0]!;
      return {
        kind: 'changed',
        fingerprint: presented,
        previousFingerprint: fingerprint(known.key),
        keyType,
        where: `${known.source}:${known.line}`,
      };
    }
    case 'unknown':
      return { kind: 'unknown', fingerprint: presented, keyType };
  }
}

export function changedKeyError(endpoint: string, decision: Extract<HostKeyDecision, { kind: 'changed' }>): FleetError {
  return new FleetError(
    'host-key-changed',
    `HOST KEY CHANGED for ${endpoint}: it now presents ${decision.keyType} ${decision.fingerprint}, but ${decision.where} ` +
      `has ${decision.previousFingerprint}. This may be an attack (or the host was reinstalled). Refusing to connect; ` +
      'if you verified the new key, re-trust it explicitly (flightdeck host trust NAME).',
    { endpoint, fingerprint: decision.fingerprint, previousFingerprint: decision.previousFingerprint },
  );
}
