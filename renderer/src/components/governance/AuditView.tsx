import '../../governance.css';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AuditRecordInfo } from '../../../../common/protocol/governance';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { formatAgo, useNow } from '../../lib/age';
import { activeFilters, type AuditQuery } from '../../lib/auditView';
import type { VerifyResult } from '../../lib/auditViewVerify';
import { useViewKeys } from '../../lib/viewKeys';
import { Icon } from '../Icon';
import { AuditAlarm } from './AuditAlarm';
import { AuditDetails } from './AuditDetails';
import { AuditFilters } from './AuditFilters';
import { AuditTable } from './AuditTable';
import { HostPicker, NoHosts, useViewHost } from './HostPicker';
import { useAuditLog } from './useAuditLog';
import { VerifyOutcome, type VerifyState } from './VerifyOutcome';

const FAILED = { first: 'Could not read the audit of', refresh: 'Could not refresh from', older: 'Could not read older records from' } as const;

/**
 * A host's audit trail, newest first: filtered on the host (or the app's mirror while it is away), verified on
 * demand, and loud about a host that rewrote its history.
 */
export function AuditView({ host: asked }: { host?: string }) {
  const hostView = useViewHost(asked);
  const host = hostView?.name ?? null;
  const [query, setQuery] = useState<AuditQuery>({});
  const { log, reload, refresh, loadOlder } = useAuditLog(host, query);
  const [cursor, setCursor] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [verify, setVerify] = useState<VerifyState>({ phase: 'idle' });
  const grid = useRef<HTMLDivElement>(null);
  const now = useNow();

  const records = log.records ?? [];
  const index = cursor === null ? -1 : records.findIndex((record) => record.seq === cursor);
  const selected = index >= 0 ? records[index] : undefined;
  const alarm = log.alarm ?? hostView?.auditAlarm ?? null;

  // Another host or filter: another list, nothing of the last one selected; another host: its chain is not checked yet.
  useEffect(() => {
    setCursor(null);
    setOpen(false);
  }, [host, query]);
  useEffect(() => setVerify({ phase: 'idle' }), [host]);
  // The host came back while the list is the mirror's: ask the host itself (on the change, not on every answer).
  const connected = hostView?.state === 'connected';
  useEffect(() => {
    if (connected && log.stale) void reload();
  }, [connected]);
  // An alarm raised while the list is open: what is on screen may be what the host rewrote, so read it again.
  const hostAlarm = hostView?.auditAlarm ?? null;
  const seenAlarm = useRef({ host, alarm: hostAlarm });
  useEffect(() => {
    const seen = seenAlarm.current;
    seenAlarm.current = { host, alarm: hostAlarm };
    if (seen.host === host && seen.alarm !== hostAlarm && hostAlarm !== null) void reload();
  }, [host, hostAlarm, reload]);
  // The list takes the focus when it first shows, unless the human is already in a control (a filter, the picker).
  const shown = records.length > 0;
  useEffect(() => {
    if (shown && (document.activeElement === null || document.activeElement === document.body)) grid.current?.focus({ preventScroll: true });
  }, [shown]);

  const pick = useCallback((record: AuditRecordInfo) => {
    setCursor(record.seq);
    setOpen(true);
  }, []);
  const move = (to: number) => {
    const next = records[Math.max(0, Math.min(records.length - 1, to))];
    if (next) setCursor(next.seq);
  };
  useViewKeys((event) => {
    if (event.key === 'Escape' && open) setOpen(false);
    else if (records.length === 0) return false;
    else if (event.key === 'j' || event.key === 'ArrowDown') move(index + 1);
    else if (event.key === 'k' || event.key === 'ArrowUp') move(index - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(records.length - 1);
    else if (event.key === 'Enter' && selected) setOpen(true);
    else return false;
    return true;
  });

  // The host shown now: a verification that ends after the human switched hosts is not shown on the new one.
  const shownHost = useRef(host);
  shownHost.current = host;
  const runVerify = async () => {
    if (!host) return;
    setVerify({ phase: 'running' });
    let next: VerifyState;
    try {
      next = { phase: 'done', result: await client().request('audit.verify', { host, accept: false }), accepted: false };
    } catch (error) {
      next = { phase: 'failed', error: errorMessage(error) };
    }
    if (shownHost.current === host) setVerify(next);
  };
  const accepted = (result: VerifyResult) => {
    setVerify({ phase: 'done', result, accepted: true });
    void reload();
  };

  if (!host) {
    return (
      <section className="view audit-view" aria-labelledby="audit-title">
        <header className="view-header">
          <h1 id="audit-title">Audit</h1>
        </header>
        <NoHosts what="audit trail" />
      </section>
    );
  }
  const filtered = activeFilters(query) > 0;
  const retry = log.error && { first: reload, refresh, older: loadOlder }[log.error.during];
  return (
    <section className="view audit-view" aria-labelledby="audit-title" data-host={host}>
      <header className="view-header">
        <h1 id="audit-title">Audit</h1>
        <HostPicker view="audit" host={host} />
        {log.stale && (
          <span className="stale-tag" title={`${host} did not answer: ${log.stale.error}`}>
            stale · mirrored {formatAgo(now - log.stale.mirroredAt)}
          </span>
        )}
        <span className="view-hints muted">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> details · <kbd>Esc</kbd> close
        </span>
        <button type="button" onClick={() => void refresh()} disabled={log.busy !== null} aria-label="Refresh the records">
          <Icon name="retry" /> Refresh
        </button>
        <button type="button" className="primary" onClick={() => void runVerify()} disabled={verify.phase === 'running'}>
          Verify chain
        </button>
      </header>
      {alarm && <AuditAlarm host={host} alarm={alarm} onAccepted={accepted} />}
      {log.stale && (
        <p className="notice warn" data-stale={host}>
          <strong>{host}</strong> did not answer: {log.stale.error}. These records are this app&apos;s mirror of its audit, taken{' '}
          {formatAgo(now - log.stale.mirroredAt)} (stale); newer ones show once {host} is back.
        </p>
      )}
      <AuditFilters applied={query} onApply={setQuery} />
      <VerifyOutcome state={verify} onDismiss={() => setVerify({ phase: 'idle' })} />
      {log.error && (
        <p className="notice danger" role="alert">
          {FAILED[log.error.during]} {host}: {log.error.message}{' '}
          <button type="button" onClick={() => void retry?.()}>
            Retry
          </button>
        </p>
      )}
      {log.records === null && log.busy === 'first' && (
        <div className="skeleton-list" role="status" aria-label={`Loading the audit of ${host}`}>
          <span />
          <span />
          <span />
        </div>
      )}
      {log.records?.length === 0 &&
        (filtered ? (
          <div className="view-empty">
            <h2>No records match these filters</h2>
            <p className="muted">The host was asked for exactly these; clear a filter to see more.</p>
          </div>
        ) : (
          <div className="view-empty">
            <h2>No audit records yet</h2>
            <p className="muted">Every session, agent action, tool call and policy decision on {host} is recorded here, hash-chained.</p>
          </div>
        ))}
      {records.length > 0 && (
        <div className={`audit-body-frame${open && selected ? ' with-details' : ''}`}>
          <AuditTable
            records={records}
            label={`Audit records of ${host}, newest first`}
            selected={index}
            onPick={pick}
            more={log.more}
            loadingOlder={log.busy === 'older'}
            onNeedOlder={loadOlder}
            gridRef={grid}
          />
          {open && selected && <AuditDetails record={selected} onClose={() => setOpen(false)} />}
        </div>
      )}
    </section>
  );
}
