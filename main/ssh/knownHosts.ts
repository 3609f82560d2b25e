import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export interface KnownHostEntry {
  marker: 'cert-authority' | 'revoked' | null;
  patterns: string[];
  keyType: string;
  /** The raw public key blob. */
  key: Buffer;
  source: string;
  line: number;
}

/** "SHA256:..." exactly as OpenSSH prints it (base64 without padding). */
export function fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Uint8Array): string {
  const buffer = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buffer.length < 4) return 'unknown';
  const length = buffer.readUInt32BE(0);
  return buffer.subarray(4, 4 + length).toString('ascii');
}

/** How OpenSSH names an endpoint in known_hosts: bare host on port 22, "[host]:port" otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string, source = 'known_hosts'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift()!.slice(1);
      if (name !== 'cert-authority' && name !== 'revoked') return;
      marker = name;
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) return;
    const blob = Buffer.from(key, 'base64');
    if (blob.length === 0) return;
    entries.push({ marker, patterns: hosts.split(','), keyType, key: blob, source, line: index + 1 });
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function matchesHashed(pattern: string, name: string): boolean {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  const parts = pattern.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const expected = parts[3]!;
  return createHmac('sha1', salt).update(name).digest('base64') === expected;
}

/** True when the entry's host list names `name` (negations "!pattern" veto the whole entry). */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  let matched = false;
  for (const pattern of entry.patterns) {
    if (pattern.startsWith('|')) {
      if (matchesHashed(pattern, name)) matched = true;
      continue;
    }
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(glob).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export type KnownHostsVerdict =
  | { kind: 'match'; entry: KnownHostEntry }
  | { kind: 'mismatch'; known: KnownHostEntry[] }
  | { kind: 'revoked'; entry: KnownHostEntry }
  | { kind: 'unknown' };

/** The plain (not @revoked, not @cert-authority) entries that name host:port. */
export function entriesFor(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = hostKeyName(host, port);
  return entries.filter((entry) => entry.marker === null && entryMatches(entry, name));
}

/**
 * What known_hosts says about `key` presented at host:port. As in OpenSSH, once a host has a known key of any
 * type, a key matching none of them is a mismatch (a key of another type is no reason to treat the host as
 * new); `known` lists the entries of the presented type first.
 * Certificate authorities are not supported (a @cert-authority line is skipped).
 */
export function checkKnownHosts(entries: KnownHostEntry[], host: string, port: number, key: Uint8Array): KnownHostsVerdict {
  const name = hostKeyName(host, port);
  const presented = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const type = keyTypeOf(key);
  const revoked = entries.find((entry) => entry.marker === 'revoked' && entry.key.equals(presented) && entryMatches(entry, name));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = entriesFor(entries, host, port);
  const match = plain.find((entry) => entry.key.equals(presented));
  if (match) return { kind: 'match', entry: match };
  if (plain.length === 0) return { kind: 'unknown' };
  const sameTypeFirst = [...plain.filter((entry) => entry.keyType === type), ...plain.filter((entry) => entry.keyType !== type)];
  return { kind: 'mismatch', known: sameTypeFirst };
}

export function readKnownHosts(files: string[]): KnownHostEntry[] {
  return files.flatMap((file) => {
    if (!existsSync(file)) return [];
    try {
      return parseKnownHosts(readFileSync(file, 'utf8'), file);
    } catch {
      return [];
    }
  });
}
