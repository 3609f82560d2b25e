import { anchorProblem } from '../../common/audit/anchor';
import { auditFilterQuery, auditPage, type AuditFilter } from '../../common/audit/filterQuery';
import type { AuditRecordInfo } from '../../common/protocol/governance';
import type { AuditHead, AuditVerifyResult } from '../../common/protocol/methods';
import type { Db } from '../journal/database';
import type { AuditRow } from './auditLog';
import { verifyAuditYielding } from './auditVerify';

export type AnchoredVerifyResult = AuditVerifyResult & { anchorHeld: boolean | null };

/**
 * Read-only questions about the audit chain that hold the host to what it showed before: the head now, the hash of
 * one record, a full walk. The chain's own head lives in the same database, so only a head kept outside (by every
 * client that saw it) can reveal a tail that was cut, or rewritten consistently.
 */
export class AuditReader {
  private readonly last;
  private readonly at;

  constructor(private readonly db: Db) {
    this.last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    this.at = db.prepare('SELECT hash FROM audit WHERE seq = ?');
  }

  head(): AuditHead | null {
    return (this.last.get() as AuditHead | undefined) ?? null;
  }

  hashAt(seq: number): string | null {
    return (this.at.get(seq) as { hash: string } | undefined)?.hash ?? null;
  }

  /** The chain walk (between other work: see verifyAuditYielding) plus, given an anchor, whether record anchor.seq still has anchor.hash. */
  async verify(anchor?: AuditHead): Promise<AnchoredVerifyResult> {
    const walk = await verifyAuditYielding(this.db);
    // An intact chain's head is the one the walk saw: records appended since are the next verify's.
    const head = walk.ok ? (walk.records > 0 ? { seq: walk.records, hash: walk.headHash } : null) : this.head();
    const result: AuditVerifyResult = walk.ok
      ? { ok: true, records: walk.records, head, firstBadSeq: null, problem: null }
      : { ok: false, records: walk.records, head, firstBadSeq: walk.firstBadSeq, problem: walk.problem };
    if (!anchor) return { ...result, anchorHeld: null };
    const hashNow = this.hashAt(anchor.seq);
    const anchorHeld = hashNow === anchor.hash;
    if (anchorHeld || !result.ok) return { ...result, anchorHeld };
    return { ...result, ok: false, anchorHeld, firstBadSeq: anchor.seq, problem: anchorProblem(anchor, hashNow, head) };
  }

  /** Matching records, oldest first: the newest `limit` of them, and whether older ones match too. */
  list(filter: AuditFilter): { records: AuditRecordInfo[]; more: boolean } {
    const { where, args, order } = auditFilterQuery(filter);
    const sql = `SELECT * FROM audit ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${order} LIMIT ?`;
    const { page, more } = auditPage(this.db.prepare(sql).all(...args, filter.limit + 1) as AuditRow[], filter.limit, order);
    return {
      records: page.map((row) => ({
        seq: row.seq,
        time: row.time,
        actor: row.actor,
        action: row.action,
        target: row.target,
        reason: row.reason,
        outcome: row.outcome,
        data: JSON.parse(row.data) as Record<string, unknown>,
        prevHash: row.prev_hash,
        hash: row.hash,
      })),
      more,
    };
  }
}
