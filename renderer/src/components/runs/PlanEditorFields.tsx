import { useState, type FormEvent } from 'react';
import type { PlanStep } from '../../../../common/plan/planRules';
import type { StepPatch } from '../../lib/planEdit';

/** The plan's title and summary. */
export function PlanTextFields({ title, summary, onChange }: { title: string; summary: string; onChange(patch: { title?: string; summary?: string }): void }) {
  return (
    <div className="form edit-plan-text">
      <label>
        <span>Plan title</span>
        <input name="plan-title" value={title} maxLength={256} onChange={(event) => onChange({ title: event.target.value })} />
      </label>
      <label>
        <span>Summary</span>
        <textarea name="plan-summary" value={summary} rows={3} onChange={(event) => onChange({ summary: event.target.value })} />
      </label>
    </div>
  );
}

/** The rules every step must keep: each removable, a new one added with Enter. */
export function ConstraintsField({ constraints, onAdd, onRemove }: { constraints: readonly string[]; onAdd(text: string): void; onRemove(index: number): void }) {
  const [text, setText] = useState('');
  const add = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    onAdd(text);
    setText('');
  };
  return (
    <fieldset className="edit-constraints">
      <legend>Constraints</legend>
      <p className="muted">Every step&apos;s agent is told these and must keep them.</p>
      {constraints.length > 0 ? (
        <ul className="edit-constraint-list" aria-label="Constraints">
          {constraints.map((constraint, index) => (
            <li key={constraint} className="edit-constraint">
              <span>{constraint}</span>
              <button type="button" className="ghost-button" aria-label={`Remove the constraint: ${constraint}`} onClick={() => onRemove(index)}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">None yet.</p>
      )}
      <form className="edit-constraint-add" onSubmit={add}>
        <input
          name="new-constraint"
          aria-label="New constraint"
          placeholder="No new runtime dependencies"
          value={text}
          maxLength={16 * 1024}
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit" disabled={!text.trim()}>
          Add
        </button>
      </form>
    </fieldset>
  );
}

interface StepFieldsProps {
  step: PlanStep;
  open: boolean;
  onToggle(): void;
  /** The runbook's step roles; null when not known here (free text, checked by the host). */
  roles: readonly string[] | null;
  /** Steps it may come to depend on: of its own or earlier phases, not itself, not already. */
  candidates: readonly string[];
  onPatch(patch: StepPatch): void;
  onAddDependency(dependency: string): void;
  onRemoveDependency(dependency: string): void;
}

function RoleField({ step, roles, onPatch }: Pick<StepFieldsProps, 'step' | 'roles' | 'onPatch'>) {
  if (!roles) {
    return (
      <label>
        <span>Role (the host checks it against the runbook)</span>
        <input name={`role-${step.id}`} value={step.role} maxLength={64} onChange={(event) => onPatch({ role: event.target.value.trim() })} />
      </label>
    );
  }
  const offered = roles.includes(step.role) ? roles : [step.role, ...roles];
  return (
    <label>
      <span>Role</span>
      <select name={`role-${step.id}`} value={step.role} onChange={(event) => onPatch({ role: event.target.value })}>
        {offered.map((role) => (
          <option key={role} value={role}>
            {roles.includes(role) ? role : `${role} (not a role of the runbook)`}
          </option>
        ))}
      </select>
    </label>
  );
}

function Dependencies({ step, candidates, onAddDependency, onRemoveDependency }: Pick<StepFieldsProps, 'step' | 'candidates' | 'onAddDependency' | 'onRemoveDependency'>) {
  return (
    <div className="edit-deps" role="group" aria-label={`What ${step.id} depends on`}>
      <span className="edit-deps-label">Depends on</span>
      {step.depends_on.length === 0 && <span className="muted">nothing</span>}
      {step.depends_on.map((dependency) => (
        <span key={dependency} className="edit-dep">
          <code>{dependency}</code>
          <button type="button" className="ghost-button" aria-label={`Remove: ${step.id} depends on ${dependency}`} onClick={() => onRemoveDependency(dependency)}>
            ✕
          </button>
        </span>
      ))}
      {candidates.length > 0 && (
        <select
          aria-label={`Add a step ${step.id} depends on`}
          value=""
          onChange={(event) => {
            if (event.target.value) onAddDependency(event.target.value);
          }}
        >
          <option value="">Add…</option>
          {candidates.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

/** One step: its title always at hand; role, checkpoint, description and dependencies when opened. */
export function StepFields({ step, open, onToggle, roles, candidates, onPatch, onAddDependency, onRemoveDependency }: StepFieldsProps) {
  return (
    <li className="edit-step" data-step={step.id}>
      <div className="edit-step-head">
        <button type="button" className="ghost-button edit-step-toggle" aria-expanded={open} aria-label={`Details of step ${step.id}`} onClick={onToggle}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> <code>{step.id}</code>
        </button>
        <input name={`title-${step.id}`} aria-label={`Title of step ${step.id}`} value={step.title} maxLength={256} onChange={(event) => onPatch({ title: event.target.value })} />
      </div>
      {open && (
        <div className="form edit-step-body">
          <RoleField step={step} roles={roles} onPatch={onPatch} />
          <label className="edit-check">
            <input type="checkbox" checked={step.checkpoint} onChange={(event) => onPatch({ checkpoint: event.target.checked })} />
            <span>Stop at a checkpoint for review when done</span>
          </label>
          <label>
            <span>Description (the step agent&apos;s task)</span>
            <textarea name={`description-${step.id}`} value={step.description} rows={3} onChange={(event) => onPatch({ description: event.target.value })} />
          </label>
          <Dependencies step={step} candidates={candidates} onAddDependency={onAddDependency} onRemoveDependency={onRemoveDependency} />
        </div>
      )}
    </li>
  );
}
