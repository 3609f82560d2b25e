import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Stale } from '../../../../common/app/runs';
import type { AuditRecordInfo } from '../../../../common/protocol/governance';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { withNewer, withOlder, type AuditQuery } from '../../lib/auditView';

/** Records per request: a few screens' worth, small enough to arrive at once over a slow link. */
export const AUDIT_PAGE = 500;

export interface AuditLog {
  /** Newest first; null until the first page has arrived. */
  records: AuditRecordInfo[] | null;
  /** Older records match the filter beyond the last one shown. */
  more: boolean;
  /** The last answer came from the app's mirror: the host did not answer. */
  stale: Stale | null;
  /** The mirror's "this host rewrote its history" alarm, as of the last answer. */
  alarm: string | null;
  /** Why the last request failed, and which it was (the first page, a refresh, an older page): what Retry repeats. */
  error: { message: string; during: Request } | null;
  busy: Request | null;
}

type Request = 'first' | 'refresh' | 'older';

const START: AuditLog = { records: null, more: false, stale: null, alarm: null, error: null, busy: 'first' };

/**
 * One host's audit under one filter, newest first, as the host (or, when it is away, the app's mirror) answers
 * `audit.list`: the newest page on open, older pages on demand, newer records on refresh. Answers to a host or
 * filter no longer shown are dropped.
 */
export function useAuditLog(host: string | null, query: AuditQuery) {
  const [log, setLog] = useState<AuditLog>(START);
  const current = useRef(log);
  current.current = log;
  // Bumped by every new host or filter: an answer for an older one is thrown away.
  const generation = useRef(0);
  const queryKey = JSON.stringify(query);

  const stableQuery = useMemo(() => query, [queryKey]);

  /** One request; null when it failed (said in `error`) or its answer is for a host or filter no longer shown. */
  const ask = useCallback(
    async (busy: Request, paging: { before?: number; after?: number }) => {
      if (!host) return null;
      const asked = generation.current;
      setLog((state) => ({ ...state, busy, error: null }));
      try {
        const answer = await client().request('audit.list', { host, ...stableQuery, ...paging, limit: AUDIT_PAGE });
        return asked === generation.current ? answer : null;
      } catch (error) {
        if (asked === generation.current) setLog((state) => ({ ...state, error: { message: errorMessage(error), during: busy }, busy: null }));
        return null;
      }
    },
    [host, stableQuery],
  );

  const reload = useCallback(async () => {
    generation.current++;
    setLog(START);
    const answer = await ask('first', {});
    if (answer) setLog({ records: withOlder([], answer.records), more: answer.more, stale: answer.stale, alarm: answer.alarm, error: null, busy: null });
  }, [ask]);

  useEffect(() => {
    if (host) void reload();
    else setLog({ ...START, busy: null });
  }, [host, reload]);

  /** Newer records on top; from scratch when the mirror answers, or answered last, or more arrived than a page holds. */
  const refresh = useCallback(async () => {
    const { records, stale, busy } = current.current;
    if (busy !== null) return;
    const newest = records?.[0]?.seq;
    if (newest === undefined || stale) return reload();
    const answer = await ask('refresh', { after: newest });
    if (!answer) return;
    // More than a page is new (a gap would open below it), or the host went away (the list becomes the mirror's):
    // start again from the newest.
    if (answer.more || answer.stale) return reload();
    setLog((state) => ({ ...state, records: withNewer(state.records ?? [], answer.records), stale: null, alarm: answer.alarm, busy: null }));
  }, [ask, reload]);

  const loadOlder = useCallback(async () => {
    const { records, more, busy } = current.current;
    const oldest = records?.at(-1)?.seq;
    if (busy !== null || !more || oldest === undefined) return;
    const answer = await ask('older', { before: oldest });
    if (answer) {
      setLog((state) => ({ ...state, records: withOlder(state.records ?? [], answer.records), more: answer.more, stale: answer.stale, alarm: answer.alarm, busy: null }));
    }
  }, [ask]);

  return { log, reload, refresh, loadOlder };
}
