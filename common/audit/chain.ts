/**
 * The audit chain's rules, shared by the host that writes it, the app that mirrors it and `audit verify --repo`
 * that checks a synced copy: what a record's hash covers and how records link. Hashing itself is the caller's
 * (node:crypto on both sides; common code stays free of Node).
 */

export const GENESIS_HASH = '0'.repeat(64);

export type Sha256Hex = (text: string) => string;

/** JSON with object keys sorted at every level, so equal data always hashes equal. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  let out: string;
  if (Array.isArray(value)) {
    // Holes are written as nothing, as Array.prototype.map and join write them (records hashed so must still verify).
    out = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out += ',';
      if (index in value) out += canonicalJson(value[index]);
    }
    return out + ']';
  }
  const object = value as Record<string, unknown>;
  // Own enumerable string keys (what Object.entries gives); the default sort compares UTF-16 code units, as `<` does.
  const keys = Object.keys(object).sort();
  out = '{';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return out + '}';
}

/** One record with everything its hash covers; `data` as an object (its canonical JSON is what is hashed). */
export interface ChainRecord {
  seq: number;
  time: number;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  outcome: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The text a record's hash is taken of: every field but the hash, in a fixed order, data as canonical JSON. */
export function recordHashInput(record: Omit<ChainRecord, 'hash' | 'data'> & { data: string }): string {
  const fields = [record.seq, record.time, record.actor, record.action, record.target, record.reason, record.outcome, record.data, record.prevHash];
  // For fields that are no objects (all a record written by the host has) JSON.stringify writes exactly what
  // canonicalJson does, in one native call; anything else (a tampered row read back) goes the canonical way.
  return fields.every(isPrimitive) ? JSON.stringify(fields) : canonicalJson(fields);
}

const isPrimitive = (value: unknown): boolean => value === null || typeof value !== 'object';

export function chainRecordHash(record: Omit<ChainRecord, 'hash'>, sha256: Sha256Hex): string {
  return sha256(recordHashInput({ ...record, data: canonicalJson(record.data) }));
}

/** The chain so far: the last record's seq and hash (seq 0 and the genesis hash before the first record). */
export interface ChainTip {
  seq: number;
  hash: string;
}

export const CHAIN_START: ChainTip = { seq: 0, hash: GENESIS_HASH };

/** Why `record` cannot come right after `tip`, or null when it does (in place, linked, unmodified). */
export function chainLinkProblem(tip: ChainTip, record: ChainRecord, sha256: Sha256Hex): string | null {
  if (record.seq !== tip.seq + 1) {
    return record.seq > tip.seq + 1
      ? `record ${tip.seq + 1} is missing (next is ${record.seq})`
      : `record ${record.seq} is out of place (after record ${tip.seq})`;
  }
  if (record.prevHash !== tip.hash) return `record ${record.seq} does not follow record ${tip.seq} (chain broken: deleted or reordered)`;
  if (chainRecordHash(record, sha256) !== record.hash) return `record ${record.seq} was modified (hash mismatch)`;
  return null;
}

export type ChainWalk =
  | { ok: true; records: number; tip: ChainTip }
  | { ok: false; records: number; firstBadSeq: number; problem: string; tip: ChainTip };

/** Walks records in the order given from `start`; stops at the first that does not link. */
export function walkChain(records: Iterable<ChainRecord>, sha256: Sha256Hex, start: ChainTip = CHAIN_START): ChainWalk {
  let tip = start;
  let count = 0;
  for (const record of records) {
    count++;
    const problem = chainLinkProblem(tip, record, sha256);
    if (problem) return { ok: false, records: count, firstBadSeq: Math.min(record.seq, tip.seq + 1), problem, tip };
    tip = { seq: record.seq, hash: record.hash };
  }
  return { ok: true, records: count, tip };
}
