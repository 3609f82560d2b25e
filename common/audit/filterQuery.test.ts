import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditFilterQuery, auditPage, type AuditFilter } from './filterQuery';

interface Row {
  seq: number;
  time: number;
  actor: string;
  action: string;
  target: string;
  outcome: string;
}

/** Ten records: two agents acting and being acted on, a family of egress actions and near-misses of its prefix. */
const ROWS: Row[] = [
  { seq: 1, time: 1_000, actor: 'user:ana', action: 'agent.start', target: 'agent:a1', outcome: 'ok' },
  { seq: 2, time: 2_000, actor: 'agent:a1', action: 'egress.request', target: '10.0.0.1:443', outcome: 'ok' },
  { seq: 3, time: 3_000, actor: 'agent:a1', action: 'egress.request', target: 'evil.example.org:443', outcome: 'denied' },
  { seq: 4, time: 4_000, actor: 'agent:a1', action: 'command.run', target: 'command:git push', outcome: 'denied' },
  { seq: 5, time: 5_000, actor: 'agent:a10', action: 'command.run', target: 'command:ls', outcome: 'ok' },
  { seq: 6, time: 6_000, actor: 'host', action: 'egress', target: 'host', outcome: 'ok' },
  { seq: 7, time: 7_000, actor: 'host', action: 'egressive.thing', target: 'host', outcome: 'error' },
  { seq: 8, time: 8_000, actor: 'user:ana', action: 'agent.stop', target: 'agent:a1', outcome: 'ok' },
  { seq: 9, time: 9_000, actor: 'agent:a2', action: 'egress.connect', target: 'api.example.com:443', outcome: 'denied' },
  { seq: 10, time: 10_000, actor: 'user:ana', action: 'session.start', target: 'session:s1', outcome: 'ok' },
];

describe('auditFilterQuery: one filter for the host log and the app mirror', () => {
  let db: Database.Database;

  beforeAll(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE audit (seq INTEGER PRIMARY KEY, time INTEGER, actor TEXT, action TEXT, target TEXT, outcome TEXT)');
    const insert = db.prepare('INSERT INTO audit VALUES (@seq, @time, @actor, @action, @target, @outcome)');
    for (const row of ROWS) insert.run(row);
  });

  afterAll(() => db.close());

  /** The seqs a filter selects from ROWS, through real SQLite, as the host and the cache query it. */
  function seqs(filter: Partial<AuditFilter>): { seqs: number[]; more: boolean } {
    const full: AuditFilter = { limit: 100, ...filter };
    const { where, args, order } = auditFilterQuery(full);
    const sql = `SELECT seq FROM audit ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${order} LIMIT ?`;
    const { page, more } = auditPage(db.prepare(sql).all(...args, full.limit + 1) as { seq: number }[], full.limit, order);
    return { seqs: page.map((row) => row.seq), more };
  }

  it('without a filter: every record, oldest first', () => {
    expect(seqs({})).toEqual({ seqs: ROWS.map((row) => row.seq), more: false });
  });

  it("an agent: the records it made and those made about it, never another agent's whose name it prefixes", () => {
    expect(seqs({ agent: 'a1' }).seqs).toEqual([1, 2, 3, 4, 8]);
    expect(seqs({ agent: 'a10' }).seqs).toEqual([5]);
  });

  it('an action exactly, or a family: only actions under the dotted prefix, not the bare word or a longer one', () => {
    expect(seqs({ action: 'command.run' }).seqs).toEqual([4, 5]);
    expect(seqs({ action: 'egress.*' }).seqs).toEqual([2, 3, 9]);
    expect(seqs({ action: 'egress' }).seqs).toEqual([6]);
    // A family is a literal prefix (no LIKE): '_' in an action matches only itself.
    expect(auditFilterQuery({ action: 'egress.*', limit: 1 }).args).toEqual([7, 'egress.']);
  });

  it('outcome and since combine with the rest (AND)', () => {
    expect(seqs({ outcome: 'denied' }).seqs).toEqual([3, 4, 9]);
    expect(seqs({ outcome: 'denied', agent: 'a1', action: 'egress.*' }).seqs).toEqual([3]);
    expect(seqs({ since: 8_000 }).seqs).toEqual([8, 9, 10]);
    expect(seqs({ since: 8_000, outcome: 'denied' }).seqs).toEqual([9]);
  });

  it('pages back from the newest: each page oldest first, `more` while older ones match', () => {
    expect(seqs({ limit: 3 })).toEqual({ seqs: [8, 9, 10], more: true });
    expect(seqs({ limit: 3, before: 8 })).toEqual({ seqs: [5, 6, 7], more: true });
    expect(seqs({ limit: 3, before: 2 })).toEqual({ seqs: [1], more: false });
    // Filtered paging counts matching records only.
    expect(seqs({ outcome: 'denied', limit: 2 })).toEqual({ seqs: [4, 9], more: true });
    expect(seqs({ outcome: 'denied', limit: 2, before: 4 })).toEqual({ seqs: [3], more: false });
  });

  it('pages forward from a cursor (a mirror): the oldest after it, `more` while newer ones follow', () => {
    expect(auditFilterQuery({ after: 0, limit: 3 }).order).toBe('ASC');
    expect(seqs({ after: 0, limit: 4 })).toEqual({ seqs: [1, 2, 3, 4], more: true });
    expect(seqs({ after: 8, limit: 4 })).toEqual({ seqs: [9, 10], more: false });
    expect(seqs({ after: 2, before: 5 })).toEqual({ seqs: [3, 4], more: false });
  });
});

describe('auditPage', () => {
  it('drops the probe row and turns a newest-first read into oldest first', () => {
    expect(auditPage([5, 4, 3, 2], 3, 'DESC')).toEqual({ page: [3, 4, 5], more: true });
    expect(auditPage([1, 2], 3, 'ASC')).toEqual({ page: [1, 2], more: false });
    expect(auditPage([], 3, 'DESC')).toEqual({ page: [], more: false });
  });
});
