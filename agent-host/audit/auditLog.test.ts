import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../journal/database';
import { canonicalJson, GENESIS_HASH } from '../../common/audit/chain';
import { AuditLog } from './auditLog';
import { verifyAudit } from './auditVerify';
import { InputAuditor } from './inputAuditor';

let dir: string;
let db: Db;
let audit: AuditLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-audit-'));
  db = openDatabase(join(dir, 'host.db'));
  audit = new AuditLog(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function unguard(): void {
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
}

/** Polls a condition that raises no event, with a deadline. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function appendSome(n: number): void {
  for (let i = 1; i <= n; i++) {
    audit.append({ actor: 'user:alice', action: 'session.start', target: `session:s-${i}`, outcome: 'ok', data: { i } });
  }
}

describe('AuditLog', () => {
  it('chains each record to the previous one', () => {
    const first = audit.append({ actor: 'host', action: 'session.interrupted', target: 'session:s-1', outcome: 'ok' });
    const second = audit.append({ actor: 'user:bob', action: 'session.kill', target: 'session:s-1', outcome: 'ok', reason: 'stuck' });
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(second.seq).toBe(2);
    expect(verifyAudit(db)).toEqual({ ok: true, records: 2, headHash: second.hash });
  });

  it('is append-only in SQLite itself', () => {
    appendSome(2);
    expect(() => db.exec("UPDATE audit SET actor = 'x'")).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only/);
  });

  it('names an edited record', () => {
    appendSome(4);
    unguard();
    db.exec(`UPDATE audit SET data = '{"i":99}' WHERE seq = 3`);
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 3, problem: expect.stringMatching(/modified/) });
  });

  it('names a deleted record, and records cut off the end', () => {
    appendSome(4);
    unguard();
    db.exec('DELETE FROM audit WHERE seq = 2');
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 2 });
    db.exec('DELETE FROM audit WHERE seq >= 3');
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('notices records removed from the end', () => {
    appendSome(3);
    unguard();
    db.exec('DELETE FROM audit WHERE seq = 3');
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('names the first of two swapped records', () => {
    appendSome(4);
    unguard();
    db.exec('UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -2;');
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('hashes data canonically: key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });
});

describe('InputAuditor', () => {
  it('records a burst of keystrokes as one action of the typing human, per session', async () => {
    const auditor = new InputAuditor(audit, { quietMs: 30, maxBytes: 8 });
    const typed = (text: string, session = 's-1') =>
      auditor.record('c1', 'user:alice@laptop', { client: 'desktop' }, session, new TextEncoder().encode(text));
    const rows = () => db.prepare('SELECT actor, action, target, data FROM audit ORDER BY seq').all() as Record<string, string>[];
    typed('ls');
    typed(' -la');
    typed('x', 's-2');
    // A burst is written when it ends, not per keystroke.
    expect(rows()).toEqual([]);
    // The quiet spell is the event under test; its only trace is the record it writes (nothing is notified on
    // append), so wait for the two records with a deadline rather than for a fixed time.
    await until(() => rows().length >= 2, 'the two bursts to be flushed after 30 ms of quiet');
    typed('0123456789');
    expect(rows()).toHaveLength(3); // past maxBytes: flushed at once, no quiet spell needed
    expect(rows().map((row) => [row.actor, row.target, JSON.parse(row.data!).text])).toEqual([
      ['user:alice@laptop', 'session:s-1', 'ls -la'],
      ['user:alice@laptop', 'session:s-2', 'x'],
      ['user:alice@laptop', 'session:s-1', '0123456789'],
    ]);
    expect(rows().every((row) => row.action === 'session.input')).toBe(true);
    expect(verifyAudit(db).ok).toBe(true);
  });
});

describe('InputAuditor at a password prompt', () => {
  it('records that the human typed, not what', () => {
    const auditor = new InputAuditor(audit, { quietMs: 10_000, maxBytes: 4096 });
    auditor.record('c1', 'user:alice@laptop', {}, 's-1', new TextEncoder().encode('hunter2\r'), true);
    auditor.flushAll('c1');
    const row = db.prepare('SELECT data FROM audit').get() as { data: string };
    expect(JSON.parse(row.data)).toMatchObject({ hidden: true, bytes: 8 });
    expect(row.data).not.toContain('hunter2');
  });
});

describe('group commit (appendDurable)', () => {
  const entry = (index: number, action = 'session.input') => ({ actor: 'user:a', action, target: `session:s-${index}`, outcome: 'ok' as const });

  it('stores the records of one turn in one chain, in the order of the calls, before any caller hears back', async () => {
    const stored: number[] = [];
    const records = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        audit.appendDurable(entry(index)).then((record) => {
          // Durable when the caller hears: the record is in the table.
          stored.push((db.prepare('SELECT COUNT(*) AS n FROM audit WHERE seq = ?').get(record.seq) as { n: number }).n);
          return record;
        }),
      ),
    );
    expect(records.map((record) => record.target)).toEqual(Array.from({ length: 200 }, (_, index) => `session:s-${index}`));
    expect(records.map((record) => record.seq)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
    expect(stored.every((count) => count === 1)).toBe(true);
    audit.append(entry(200));
    expect(verifyAudit(db)).toMatchObject({ ok: true, records: 201 });
  });

  it('rejects every waiter of a batch whose commit fails, and the next append still chains', async () => {
    db.exec("CREATE TRIGGER audit_refuse BEFORE INSERT ON audit WHEN NEW.action = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END;");
    await audit.appendDurable(entry(0));
    const batch = [audit.appendDurable(entry(1)), audit.appendDurable(entry(2, 'refused')), audit.appendDurable(entry(3))];
    const outcomes = await Promise.allSettled(batch);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const next = await audit.appendDurable(entry(4));
    expect(next.seq).toBe(2);
    expect(verifyAudit(db)).toMatchObject({ ok: true, records: 2 });
  });
});
