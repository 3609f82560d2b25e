import type { AuditListParams } from '../protocol/governance';

export type AuditFilter = Omit<AuditListParams, 'limit'> & { limit: number };

/** A WHERE clause (without the keyword; '' for none), its arguments, and the order a page is read in. */
export interface AuditFilterQuery {
  where: string[];
  args: (string | number)[];
  /** From a cursor: the oldest after it (a mirror pages forward); else the newest (a person looks back). */
  order: 'ASC' | 'DESC';
}

/**
 * `audit list`'s filter as SQL over the audit columns (seq, time, actor, action, target, outcome): one definition for
 * the host's log and the app's mirror of it, so a stale answer from the cache filters exactly like the host's.
 */
export function auditFilterQuery(filter: AuditFilter): AuditFilterQuery {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.agent !== undefined) {
    where.push('(actor = ? OR target = ?)');
    args.push(`agent:${filter.agent}`, `agent:${filter.agent}`);
  }
  if (filter.action !== undefined) {
    if (filter.action.endsWith('.*')) {
      const family = filter.action.slice(0, -1);
      where.push('substr(action, 1, ?) = ?');
      args.push(family.length, family);
    } else {
      where.push('action = ?');
      args.push(filter.action);
    }
  }
  if (filter.outcome !== undefined) {
    where.push('outcome = ?');
    args.push(filter.outcome);
  }
  if (filter.since !== undefined) {
    where.push('time >= ?');
    args.push(filter.since);
  }
  if (filter.before !== undefined) {
    where.push('seq < ?');
    args.push(filter.before);
  }
  if (filter.after !== undefined) {
    where.push('seq > ?');
    args.push(filter.after);
  }
  return { where, args, order: filter.after !== undefined ? 'ASC' : 'DESC' };
}

/** The page a query read (limit + 1 rows to learn whether more match), oldest first. */
export function auditPage<T>(rows: T[], limit: number, order: 'ASC' | 'DESC'): { page: T[]; more: boolean } {
  const page = rows.slice(0, limit);
  return { page: order === 'DESC' ? page.reverse() : page, more: rows.length > limit };
}
