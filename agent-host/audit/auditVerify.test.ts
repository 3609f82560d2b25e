import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../journal/database';
import { AuditLog, recordHash, type AuditRow } from './auditLog';
import { verifyAudit, verifyAuditYielding } from './auditVerify';

let dir: string;
let db: Db;
let audit: AuditLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-audit-verify-'));
  db = openDatabase(join(dir, 'host.db'));
  audit = new AuditLog(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function appendSome(n: number): void {
  db.transaction(() => {
    for (let i = 1; i <= n; i++) {
      audit.append({ actor: 'user:alice', action: 'session.start', target: `session:s-${i}`, reason: i % 2 ? null : 'why', outcome: 'ok', data: { i } });
    }
  })();
}

function tamper(sql: string): void {
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  db.exec(sql);
}

describe('verifyAudit', () => {
  it('passes a record the fast check cannot build, when the exact way holds', () => {
    appendSome(3);
    // A fractional time (written by hand, not by the host) is JSON that json_array writes differently.
    const row = db.prepare('SELECT * FROM audit WHERE seq = 3').get() as AuditRow;
    const edited = { ...row, time: row.time + 0.5 };
    const { hash: _hash, ...rest } = edited;
    tamper(`UPDATE audit SET time = ${edited.time}, hash = '${recordHash(rest)}' WHERE seq = 3`);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(JSON.stringify({ seq: 3, hash: recordHash(rest) }));
    expect(verifyAudit(db)).toEqual({ ok: true, records: 3, headHash: recordHash(rest) });
  });

  // json_array reads a BLOB as JSONB: without the type guard these would pass with their hashes unchanged.
  it.each([
    ['a NULL reason as a JSONB null', "reason = jsonb('null') WHERE seq = 3"],
    ['a text as a JSONB string', 'actor = jsonb(json_quote(actor)) WHERE seq = 3'],
    ['a text as a blob of the same bytes', 'target = CAST(target AS BLOB) WHERE seq = 3'],
    // A REAL column keeps only text that is no number; CAST reads its leading digits.
    ['the time as text', "time = CAST(time AS INTEGER) || ' ms' WHERE seq = 3"],
    ['the hash as a blob of the same bytes', 'hash = CAST(hash AS BLOB) WHERE seq = 3'],
  ])('names a record with %s', (_what, set) => {
    appendSome(4);
    tamper(`UPDATE audit SET ${set}`);
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });
});

describe('verifyAuditYielding', () => {
  /** Three chunks of rows (4096 each), so the walk gives the event loop back twice before its verdict. */
  const RECORDS = 10_000;

  it('lets the event loop turn between chunks, and walks one snapshot while records are appended meanwhile', async () => {
    appendSome(RECORDS);
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      if (!ticking) return;
      turns++;
      audit.append({ actor: 'host', action: 'session.interrupted', target: `session:during-${turns}`, outcome: 'ok' });
      setImmediate(tick);
    };
    setImmediate(tick);
    const walked = await verifyAuditYielding(db);
    ticking = false;

    expect(turns).toBeGreaterThanOrEqual(2);
    const [last] = db.prepare('SELECT hash FROM audit WHERE seq = ?').all(RECORDS) as { hash: string }[];
    expect(walked).toEqual({ ok: true, records: RECORDS, headHash: last!.hash });
    expect(verifyAudit(db)).toMatchObject({ ok: true, records: RECORDS + turns });
  });

  it('names what the walk on one turn names', async () => {
    appendSome(RECORDS);
    tamper(`UPDATE audit SET target = 'session:edited' WHERE seq = ${RECORDS - 3}`);
    expect(await verifyAuditYielding(db)).toEqual(verifyAudit(db));
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: RECORDS - 3 });
  });
});
