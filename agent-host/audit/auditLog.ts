import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH, recordHashInput } from '../../common/audit/chain';
import { redactDeep, redactSecrets } from '../../common/security/redact';
import type { Db } from '../journal/database';

/** Outcome of the audited action; governance adds 'denied' decisions through the same table. */
export type AuditOutcome = 'ok' | 'error' | 'denied';

export interface AuditEntry {
  /** Who acted: a human ("user:alice@laptop"), an agent ("agent:<session>") or the host itself ("host"). */
  actor: string;
  /** Dotted verb, e.g. session.start, session.input; later governance adds tool.call, egress.deny, … */
  action: string;
  /** What it acted on, e.g. "session:s-abc". */
  target: string;
  reason?: string | null;
  outcome: AuditOutcome;
  data?: Record<string, unknown>;
}

export interface AuditRecord extends Required<AuditEntry> {
  seq: number;
  time: number;
  prevHash: string;
  hash: string;
}

/** A row of the audit table, as stored. */
export interface AuditRow {
  seq: number;
  time: number;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  outcome: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/** The hash covers every column but itself, in a fixed order, plus the previous record's hash. */
export function recordHash(row: Omit<AuditRow, 'hash'>): string {
  const { prev_hash: prevHash, ...rest } = row;
  return createHash('sha256').update(recordHashInput({ ...rest, prevHash })).digest('hex');
}

/** Append-only, hash-chained audit records in the host database. */
export class AuditLog {
  private readonly insert;
  private readonly last;
  private readonly setHead;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO audit (seq, time, actor, action, target, reason, outcome, data, prev_hash, hash)
       VALUES (@seq, @time, @actor, @action, @target, @reason, @outcome, @data, @prev_hash, @hash)`,
    );
    this.last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    // The head (last seq and hash) lets the verifier notice records cut off the end of the chain.
    this.setHead = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)");
  }

  /** Secret shapes in target, reason and data are replaced by markers before the record is hashed and stored. */
  append(entry: AuditEntry): AuditRecord {
    const target = redactSecrets(entry.target);
    const reason = entry.reason == null ? null : redactSecrets(entry.reason);
    const data = redactDeep(entry.data ?? {});
    return this.db.transaction(() => {
      const previous = this.last.get() as { seq: number; hash: string } | undefined;
      const row: Omit<AuditRow, 'hash'> = {
        seq: (previous?.seq ?? 0) + 1,
        time: Date.now(),
        actor: entry.actor,
        action: entry.action,
        target,
        reason,
        outcome: entry.outcome,
        data: canonicalJson(data),
        prev_hash: previous?.hash ?? GENESIS_HASH,
      };
      const hash = recordHash(row);
      this.insert.run({ ...row, hash });
      this.setHead.run(JSON.stringify({ seq: row.seq, hash }));
      return {
        seq: row.seq,
        time: row.time,
        actor: row.actor,
        action: row.action,
        target: row.target,
        reason: row.reason,
        outcome: entry.outcome,
        data,
        prevHash: row.prev_hash,
        hash,
      };
    })();
  }
}

export type VerifyResult =
  | { ok: true; records: number; headHash: string }
  | { ok: false; records: number; firstBadSeq: number; problem: string };

/** Walks the chain in seq order; names the first record that is edited, missing or out of place. */
export function verifyAudit(db: Db): VerifyResult {
  const rows = db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<AuditRow>;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (const row of rows) {
    count++;
    const { hash, ...rest } = row;
    if (row.seq !== expectedSeq) {
      return { ok: false, records: count, firstBadSeq: expectedSeq, problem: `record ${expectedSeq} is missing (next is ${row.seq})` };
    }
    if (row.prev_hash !== prevHash) {
      return { ok: false, records: count, firstBadSeq: row.seq, problem: `record ${row.seq} does not follow record ${row.seq - 1} (chain broken: deleted or reordered)` };
    }
    if (recordHash(rest) !== hash) {
      return { ok: false, records: count, firstBadSeq: row.seq, problem: `record ${row.seq} was modified (hash mismatch)` };
    }
    prevHash = hash;
    expectedSeq++;
  }
  const headRow = db.prepare("SELECT value FROM meta WHERE key = 'audit_head'").get() as { value: string } | undefined;
  if (headRow) {
    const head = JSON.parse(headRow.value) as { seq: number; hash: string };
    if (head.seq !== count || head.hash !== prevHash) {
      return { ok: false, records: count, firstBadSeq: count + 1, problem: `records after ${count} are missing (head says ${head.seq})` };
    }
  } else if (count > 0) {
    return { ok: false, records: count, firstBadSeq: 1, problem: 'the chain head record is missing' };
  }
  return { ok: true, records: count, headHash: prevHash };
}
