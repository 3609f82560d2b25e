import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, type RefObject } from 'react';
import type { AuditRecordInfo } from '../../../../common/protocol/governance';
import { decidingRule, formatAuditTime, isDenied } from '../../lib/auditView';

/** Fixed: rows are never measured, so thousands scroll at the cost of the few on screen. */
const ROW_HEIGHT = 32;
/** The header row's height (governance.css .audit-head): the rows start below it. */
const HEADER_HEIGHT = 30;
/** Ask for the next older page this many rows before the last one loaded comes into view. */
const PREFETCH_ROWS = 60;

export const auditRowId = (record: AuditRecordInfo) => `audit-row-${record.seq}`;

const COLUMNS = ['Seq', 'Time', 'Actor', 'Action', 'Target', 'Outcome', 'Rule · reason'];

function RuleCell({ record }: { record: AuditRecordInfo }) {
  const rule = decidingRule(record);
  if (!isDenied(record)) return <span className="muted">{record.outcome === 'error' ? (record.reason ?? '') : ''}</span>;
  return (
    <>
      {rule && <code className="audit-rule">{rule}</code>}
      {record.reason && <span className="audit-reason">{record.reason}</span>}
    </>
  );
}

/** Memoised: while scrolling, a row keeps its place, so only rows coming into view render. */
const AuditRow = memo(function AuditRow({
  record,
  index,
  top,
  selected,
  onPick,
}: {
  record: AuditRecordInfo;
  index: number;
  top: number;
  selected: boolean;
  onPick(record: AuditRecordInfo): void;
}) {
  return (
    <div
      id={auditRowId(record)}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`audit-row outcome-${record.outcome}${selected ? ' is-selected' : ''}`}
      data-seq={record.seq}
      data-outcome={record.outcome}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onPick(record)}
    >
      <span role="gridcell" className="numeric">
        {record.seq}
      </span>
      <span role="gridcell" className="numeric" title={new Date(record.time).toISOString()}>
        {formatAuditTime(record.time)}
      </span>
      <span role="gridcell" title={record.actor}>
        {record.actor}
      </span>
      <span role="gridcell" title={record.action}>
        {record.action}
      </span>
      <span role="gridcell" title={record.target}>
        {record.target}
      </span>
      <span role="gridcell">
        <span className={`audit-outcome outcome-${record.outcome}`}>{record.outcome}</span>
      </span>
      <span role="gridcell" className="audit-rule-cell" title={record.reason ?? undefined}>
        <RuleCell record={record} />
      </span>
    </div>
  );
});

interface Props {
  records: AuditRecordInfo[];
  label: string;
  /** Index of the cursor's row; -1 for none. */
  selected: number;
  /** A row was clicked (keep it stable: every row on screen depends on it). */
  onPick(record: AuditRecordInfo): void;
  more: boolean;
  loadingOlder: boolean;
  onNeedOlder(): void;
  /** The grid: the element that scrolls and holds the focus. */
  gridRef: RefObject<HTMLDivElement | null>;
}

/**
 * The records as an ARIA grid, virtualised (@tanstack/react-virtual): only rows on screen are in the DOM. The grid
 * holds the focus and names the cursor's row with aria-activedescendant; the view's keys move it.
 */
export function AuditTable({ records, label, selected, onPick, more, loadingOlder, onNeedOlder, gridRef }: Props) {
  const virtualizer = useVirtualizer({
    count: records.length,
    getScrollElement: () => gridRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // The sticky header sits above the rows inside the scroller: rows start below it, and scrolling to one keeps it clear.
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });
  const rows = virtualizer.getVirtualItems();
  const lastShown = rows.at(-1)?.index ?? -1;

  useEffect(() => {
    if (more && !loadingOlder && lastShown >= records.length - PREFETCH_ROWS) onNeedOlder();
  }, [more, loadingOlder, lastShown, records.length, onNeedOlder]);
  useEffect(() => {
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: 'auto' });
  }, [selected, virtualizer]);

  // Named only while its row is in the DOM: one scrolled out of the window is not rendered.
  const cursor = rows.some((row) => row.index === selected) ? records[selected] : undefined;
  return (
    <div className="audit-table">
      <div
        ref={gridRef}
        className="audit-grid"
        role="grid"
        aria-label={label}
        aria-rowcount={more ? -1 : records.length + 1}
        aria-colcount={COLUMNS.length}
        aria-readonly="true"
        tabIndex={0}
        aria-activedescendant={cursor ? auditRowId(cursor) : undefined}
      >
        <div className="audit-head" role="rowgroup">
          <div className="audit-row" role="row" aria-rowindex={1}>
            {COLUMNS.map((column) => (
              <span key={column} role="columnheader">
                {column}
              </span>
            ))}
          </div>
        </div>
        <div className="audit-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {rows.map((row) => {
            const record = records[row.index]!;
            return (
              <AuditRow key={record.seq} record={record} index={row.index} top={row.start - HEADER_HEIGHT} selected={row.index === selected} onPick={onPick} />
            );
          })}
        </div>
      </div>
      <p className="audit-end muted" role="status">
        {records.length} shown ·{' '}
        {loadingOlder ? 'loading older records…' : more ? 'older ones load as you scroll' : `the oldest that matches is #${records.at(-1)?.seq ?? '–'}`}
      </p>
    </div>
  );
}
