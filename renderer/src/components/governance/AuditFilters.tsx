import { useState, type FormEvent } from 'react';
import { activeFilters, EMPTY_DRAFT, OUTCOMES, parseAuditFilter, type AuditFilterDraft, type AuditQuery, type DraftProblems } from '../../lib/auditView';

function Problem({ field, problems }: { field: keyof AuditFilterDraft; problems: DraftProblems }) {
  const problem = problems[field];
  return problem ? (
    <span className="gov-field-problem" id={`audit-filter-${field}-problem`} role="alert">
      {problem}
    </span>
  ) : null;
}

/** Which records the host is asked for: applied with Enter or Apply (the outcome at once); checked before asking. */
export function AuditFilters({ applied, onApply }: { applied: AuditQuery; onApply(query: AuditQuery): void }) {
  const [draft, setDraft] = useState<AuditFilterDraft>(EMPTY_DRAFT);
  const [problems, setProblems] = useState<DraftProblems>({});

  const apply = (next: AuditFilterDraft) => {
    const parsed = parseAuditFilter(next);
    if ('problems' in parsed) return setProblems(parsed.problems);
    setProblems({});
    onApply(parsed.query);
  };
  const edit = (field: keyof AuditFilterDraft, value: string) => setDraft((current) => ({ ...current, [field]: value }));
  const invalid = (field: keyof AuditFilterDraft) =>
    problems[field] ? { 'aria-invalid': true, 'aria-describedby': `audit-filter-${field}-problem` } : {};
  const applying = activeFilters(applied);

  return (
    <form
      className="gov-filters"
      aria-label="Filter the audit records"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        apply(draft);
      }}
    >
      <label className="gov-field">
        <span>Agent</span>
        <input name="agent" value={draft.agent} placeholder="any" spellCheck={false} onChange={(event) => edit('agent', event.target.value)} {...invalid('agent')} />
        <Problem field="agent" problems={problems} />
      </label>
      <label className="gov-field">
        <span>Action</span>
        <input
          name="action"
          value={draft.action}
          placeholder="tool.call or egress.*"
          spellCheck={false}
          onChange={(event) => edit('action', event.target.value)}
          {...invalid('action')}
        />
        <Problem field="action" problems={problems} />
      </label>
      <label className="gov-field">
        <span>Outcome</span>
        <select
          name="outcome"
          value={draft.outcome}
          onChange={(event) => {
            const next = { ...draft, outcome: event.target.value as AuditFilterDraft['outcome'] };
            setDraft(next);
            apply(next);
          }}
        >
          <option value="">any</option>
          {OUTCOMES.map((outcome) => (
            <option key={outcome} value={outcome}>
              {outcome}
            </option>
          ))}
        </select>
      </label>
      <label className="gov-field">
        <span>Since</span>
        <input name="since" type="datetime-local" value={draft.since} onChange={(event) => edit('since', event.target.value)} {...invalid('since')} />
        <Problem field="since" problems={problems} />
      </label>
      <div className="gov-filter-actions">
        <button type="submit" className="primary">
          Apply
        </button>
        <button
          type="button"
          disabled={applying === 0 && Object.values(draft).every((value) => value === '')}
          onClick={() => {
            setDraft(EMPTY_DRAFT);
            setProblems({});
            onApply({});
          }}
        >
          Clear{applying > 0 ? ` (${applying})` : ''}
        </button>
      </div>
    </form>
  );
}
