import { setImmediate as nextTurn } from 'node:timers/promises';
import { GENESIS_HASH } from '../../common/audit/chain';
import { openDatabase, type Db } from '../journal/database';
import { recordHash, type AuditRow } from './auditLog';
import { hashHex } from './hashHex';

export type VerifyResult =
  | { ok: true; records: number; headHash: string }
  | { ok: false; records: number; firstBadSeq: number; problem: string };

/**
 * Each record's hash input (common/audit/chain.ts recordHashInput) built by SQLite instead of as JS objects: about
 * half the cost per record. Both directions must hold:
 * - a good record is never named: any text json_array writes differently from JSON.stringify (a fractional or huge
 *   time, say) only fails this fast check, and the record is checked again the exact way;
 * - a bad record is never passed: the text is built only from the column types the host writes (integral REAL
 *   time, TEXT columns, NULL or TEXT reason), for which json_array is injective and agrees with the exact way's
 *   reading of the row. Other types give NULL here and go the exact way: json_array reads a BLOB as JSONB, so a
 *   blob could otherwise pass for a NULL reason or a string.
 */
const HASH_INPUT = `CASE WHEN typeof(time) = 'real' AND time = CAST(time AS INTEGER)
  AND typeof(actor) = 'text' AND typeof(action) = 'text' AND typeof(target) = 'text' AND typeof(outcome) = 'text'
  AND typeof(data) = 'text' AND typeof(prev_hash) = 'text' AND typeof(reason) IN ('text', 'null')
  THEN json_array(seq, CAST(time AS INTEGER), actor, action, target, reason, outcome, data, prev_hash) END`;
/** Rows per read: bounds memory on a large chain; plain arrays, no objects per row. */
const CHUNK = 4096;

type FastRow = [seq: number, prevHash: string, hash: string, hashInput: string | null];

/** Walks the chain in seq order; names the first record that is edited, missing or out of place. */
export function verifyAudit(db: Db): VerifyResult {
  // One read transaction: the chunks and the head are one snapshot even while the daemon appends.
  return db.transaction(() => {
    const chunks = walk(db);
    for (;;) {
      const step = chunks.next();
      if (step.done) return step.value;
    }
  })();
}

/**
 * The same walk, giving the event loop back after every chunk (~7 ms): on the daemon's thread a 1M-record walk would
 * otherwise hold every terminal for ~2 s. It reads through a connection of its own, whose one read transaction
 * spans the turns, so it is the same single snapshot while the daemon appends. An in-memory database, which no
 * second connection can open, is walked at once.
 */
export async function verifyAuditYielding(db: Db): Promise<VerifyResult> {
  if (db.memory) return verifyAudit(db);
  const reader = openDatabase(db.name, { readonly: true });
  try {
    reader.exec('BEGIN');
    const chunks = walk(reader);
    for (;;) {
      const step = chunks.next();
      if (step.done) return step.value;
      await nextTurn();
    }
  } finally {
    if (reader.inTransaction) reader.exec('COMMIT');
    reader.close();
  }
}

/** Yields after each chunk of rows; returns the verdict. Call inside one read transaction. */
function* walk(db: Db): Generator<void, VerifyResult, void> {
  const first = db.prepare(`SELECT seq, prev_hash, hash, ${HASH_INPUT} FROM audit ORDER BY seq LIMIT ${CHUNK}`).raw();
  const next = db.prepare(`SELECT seq, prev_hash, hash, ${HASH_INPUT} FROM audit WHERE seq > ? ORDER BY seq LIMIT ${CHUNK}`).raw();
  const fullRow = db.prepare('SELECT * FROM audit WHERE seq = ?');
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (let rows = first.all() as FastRow[]; rows.length > 0; rows = next.all(rows[rows.length - 1]![0]) as FastRow[]) {
    for (const [seq, rowPrevHash, hash, hashInput] of rows) {
      count++;
      if (seq !== expectedSeq) {
        return { ok: false, records: count, firstBadSeq: expectedSeq, problem: `record ${expectedSeq} is missing (next is ${seq})` };
      }
      if (rowPrevHash !== prevHash) {
        return { ok: false, records: count, firstBadSeq: seq, problem: `record ${seq} does not follow record ${seq - 1} (chain broken: deleted or reordered)` };
      }
      if ((hashInput === null || hashHex(hashInput) !== hash) && !exactHashHolds(fullRow.get(seq) as AuditRow)) {
        return { ok: false, records: count, firstBadSeq: seq, problem: `record ${seq} was modified (hash mismatch)` };
      }
      prevHash = hash;
      expectedSeq++;
    }
    yield;
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

/** The reference check, exactly as the record was hashed when written. */
function exactHashHolds(row: AuditRow): boolean {
  const { hash, ...rest } = row;
  return recordHash(rest) === hash;
}
