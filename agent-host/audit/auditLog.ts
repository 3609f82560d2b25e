import { canonicalJson, GENESIS_HASH, recordHashInput } from '../../common/audit/chain';
import { redactDeep, redactSecrets } from '../../common/security/redact';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../journal/database';
import { hashHex } from './hashHex';

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
  return hashHex(recordHashInput({ ...rest, prevHash }));
}

/** A redacted entry waiting for its transaction; a durable caller's promise settles with that transaction. */
interface Queued {
  time: number;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  outcome: AuditOutcome;
  data: Record<string, unknown>;
  dataJson: string;
  resolve: ((record: AuditRecord) => void) | null;
  reject: ((error: unknown) => void) | null;
}

/** Columns of one audit row, in the order of the INSERT's placeholders. */
const COLUMNS = ['seq', 'time', 'actor', 'action', 'target', 'reason', 'outcome', 'data', 'prev_hash', 'hash'];
const ROW_VALUES = `(${COLUMNS.map(() => '?').join(', ')})`;
/** Rows per INSERT statement at most: a batch is written as a few statements of 64, 32, … 1 rows. */
const MAX_ROWS = 64;

/**
 * Append-only, hash-chained audit records in the host database.
 *
 * `appendDurable` is group commit: every record queued in one turn of the event loop is written in one transaction,
 * and each caller's promise settles only after that transaction committed (rejects if it failed: the caller must not
 * act). `append` writes at once, taking the queued records with it so the chain keeps the order of the calls.
 */
export class AuditLog {
  /** Multi-row INSERTs by row count (powers of two up to MAX_ROWS), positional: fewer statements per transaction. */
  private readonly inserts = new Map<number, Statement>();
  private readonly last;
  private readonly setHead;
  private readonly writeBatch;
  private queue: Queued[] = [];
  private flushScheduled = false;

  constructor(private readonly db: Db) {
    this.last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    // The head (last seq and hash) lets the verifier notice records cut off the end of the chain.
    this.setHead = db.prepare("INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    this.writeBatch = db.transaction((batch: readonly Queued[]) => this.writeRows(batch));
  }

  /**
   * Writes the record now, in its own transaction (or the caller's, when one is open). For places that cannot wait;
   * a caller that must not act before its record is stored and can await uses `appendDurable`.
   * Secret shapes in target, reason and data are replaced by markers before the record is hashed and stored.
   */
  append(entry: AuditEntry): AuditRecord {
    const queued = prepare(entry, null, null);
    // Inside a caller's transaction the durable waiters stay queued: that transaction may still roll back.
    if (this.db.inTransaction) return this.write([queued])[0]!;
    this.queue.push(queued);
    return this.flush().at(-1)!;
  }

  /** Settles after the transaction holding the record committed; rejects (the caller must not act) if it failed. */
  appendDurable(entry: AuditEntry): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push(prepare(entry, resolve, reject));
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // After this turn's callbacks and their promise continuations: all of them share the transaction.
      setImmediate(() => {
        this.flushScheduled = false;
        try {
          this.flush();
        } catch {
          // Every waiter of the batch was rejected with the error.
        }
      });
    });
  }

  private flush(): AuditRecord[] {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return [];
    let records: AuditRecord[];
    try {
      records = this.write(batch);
    } catch (error) {
      for (const queued of batch) queued.reject?.(error);
      throw error;
    }
    for (let index = 0; index < batch.length; index++) batch[index]!.resolve?.(records[index]!);
    return records;
  }

  /** One transaction for the batch (a savepoint inside a caller's transaction). */
  private write(batch: readonly Queued[]): AuditRecord[] {
    return this.writeBatch.immediate(batch);
  }

  /**
   * The head is read inside the transaction, once per batch rather than kept in memory: it costs one index lookup
   * and stays right when a caller's transaction rolls back or another connection appended (the e2e fixtures write
   * beside the daemon).
   */
  private writeRows(batch: readonly Queued[]): AuditRecord[] {
    const head = this.last.get() as { seq: number; hash: string } | undefined;
    let seq = head?.seq ?? 0;
    let prevHash = head?.hash ?? GENESIS_HASH;
    const records: AuditRecord[] = [];
    let values: unknown[] = [];
    for (const queued of batch) {
      seq++;
      const { time, actor, action, target, reason, outcome, data, dataJson } = queued;
      const hash = hashHex(recordHashInput({ seq, time, actor, action, target, reason, outcome, data: dataJson, prevHash }));
      values.push(seq, time, actor, action, target, reason, outcome, dataJson, prevHash, hash);
      records.push({ seq, time, actor, action, target, reason, outcome, data, prevHash, hash });
      prevHash = hash;
      if (values.length === MAX_ROWS * COLUMNS.length) {
        this.insert(MAX_ROWS).run(values);
        values = [];
      }
    }
    // The rest in power-of-two pieces: at most log2(MAX_ROWS) + 1 statements are ever prepared.
    for (let at = 0, rows = MAX_ROWS / 2; at < values.length; rows /= 2) {
      const size = rows * COLUMNS.length;
      if (values.length - at < size) continue;
      this.insert(rows).run(values.slice(at, at + size));
      at += size;
    }
    this.setHead.run(JSON.stringify({ seq, hash: prevHash }));
    return records;
  }

  private insert(rows: number): Statement {
    let statement = this.inserts.get(rows);
    if (!statement) {
      statement = this.db.prepare(`INSERT INTO audit (${COLUMNS.join(', ')}) VALUES ${Array(rows).fill(ROW_VALUES).join(', ')}`);
      this.inserts.set(rows, statement);
    }
    return statement;
  }
}

function prepare(entry: AuditEntry, resolve: Queued['resolve'], reject: Queued['reject']): Queued {
  const data = redactDeep(entry.data ?? {});
  return {
    time: Date.now(),
    actor: entry.actor,
    action: entry.action,
    target: redactSecrets(entry.target),
    reason: entry.reason == null ? null : redactSecrets(entry.reason),
    outcome: entry.outcome,
    data,
    dataJson: canonicalJson(data),
    resolve,
    reject,
  };
}
