import type { AuditRecordInfo } from '../../../../common/protocol/governance';
import { decidingRule, formatAuditTime, isDenied } from '../../lib/auditView';
import { Icon } from '../Icon';

/** One record in full beside the list: it follows the cursor, so j/k read the log record by record. */
export function AuditDetails({ record, onClose }: { record: AuditRecordInfo; onClose(): void }) {
  const rule = decidingRule(record);
  return (
    <aside className={`audit-details${isDenied(record) ? ' is-denied' : ''}`} aria-labelledby="audit-details-title" data-seq={record.seq}>
      <header className="audit-details-header">
        <h2 id="audit-details-title">Record #{record.seq}</h2>
        <span className={`audit-outcome outcome-${record.outcome}`}>{record.outcome}</span>
        <button type="button" className="icon-button push-right" aria-label="Close the record (Esc)" title="Close (Esc)" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <dl className="audit-facts">
        <dt>Time</dt>
        <dd>
          {formatAuditTime(record.time)} <span className="muted">({new Date(record.time).toISOString()})</span>
        </dd>
        <dt>Actor</dt>
        <dd>{record.actor}</dd>
        <dt>Action</dt>
        <dd>{record.action}</dd>
        <dt>Target</dt>
        <dd className="audit-wrap">{record.target}</dd>
        {rule && (
          <>
            <dt>Rule</dt>
            <dd>
              <code className={`audit-rule${isDenied(record) ? '' : ' is-allowing'}`}>{rule}</code>
            </dd>
          </>
        )}
        {record.reason && (
          <>
            <dt>Reason</dt>
            <dd className="audit-wrap">{record.reason}</dd>
          </>
        )}
        <dt>Hash</dt>
        <dd className="audit-hash" data-field="hash">
          {record.hash}
        </dd>
        <dt>Previous</dt>
        <dd className="audit-hash" data-field="prevHash">
          {record.prevHash}
        </dd>
      </dl>
      <h3 className="audit-data-title">Data</h3>
      {/* Focusable: long data scrolls, and the keyboard must reach it too. */}
      <pre className="audit-data" tabIndex={0}>
        {JSON.stringify(record.data, null, 2)}
      </pre>
    </aside>
  );
}
