import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Plan } from '../../../../common/protocol/plan';
import type { PlanVersionInfo, RunInfo } from '../../../../common/protocol/runs';
import { errorMessage } from '../../../../common/wire/errors';
import { client } from '../../client/clientRef';
import { graphFromPlan, type GraphStep } from '../../graph/planGraph';
import type { DependencyEditing } from '../../graph/PlanGraph';
import { openItem } from '../../lib/inboxActions';
import { draftProblems, editable, sameContent, withConstraint, withDependency, withoutConstraint, withoutDependency, withStep, withText } from '../../lib/planEdit';
import { useStore } from '../../store/store';
import { ConstraintsField, PlanTextFields, StepFields } from './PlanEditorFields';

const PlanGraph = lazy(() => import('../../graph/PlanGraph'));

/** Plans this small open every step's details at once; bigger ones open a step when it is picked. */
const OPEN_ALL_UP_TO = 12;

interface Props {
  host: string;
  run: RunInfo;
  /** The version awaiting approval: the edit starts from it. */
  version: PlanVersionInfo;
  /** The runbook's step roles; null when they are not known here (the host checks roles on save). */
  roles: readonly string[] | null;
  onLeave(): void;
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** For each step, the steps it may come to depend on: of its own or an earlier phase, not itself, not already. */
function dependencyCandidates(plan: Plan): Map<string, string[]> {
  const candidates = new Map<string, string[]>();
  const before: string[] = [];
  for (const phase of plan.phases) {
    const own = phase.steps.map((step) => step.id);
    for (const step of phase.steps) candidates.set(step.id, [...before, ...own].filter((id) => id !== step.id && !step.depends_on.includes(id)));
    before.push(...own);
  }
  return candidates;
}

/**
 * The plan awaiting approval, edited: title, summary, constraints, each step's words and role, dependencies here or by
 * dragging in the graph (refused, with the rule's words, when they break one). Saved as the next version, which then
 * awaits approval in its place. Keys: Ctrl+S saves, Esc leaves (asking first when something changed).
 */
export function PlanEditor({ host, run, version, roles, onLeave }: Props) {
  const original = useMemo(() => editable(version.plan), [version.plan]);
  const [draft, setDraft] = useState(original);
  const [note, setNote] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [hint, setHint] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const stepCount = original.phases.reduce((sum, phase) => sum + phase.steps.length, 0);
  const [opened, setOpened] = useState<ReadonlySet<string>>(() => new Set(stepCount <= OPEN_ALL_UP_TO ? original.phases.flatMap((phase) => phase.steps.map((step) => step.id)) : []));
  const dirty = !sameContent(original, draft);
  const next = (run.planVersion ?? version.version) + 1;
  const keep = useRef<HTMLButtonElement>(null);

  const change = (edit: (plan: Plan) => Plan) => {
    setDraft(edit);
    setProblems([]);
  };
  // The graph's callbacks stay the same objects while the draft changes (no relayout per keystroke): they read it here.
  const latest = useRef(draft);
  latest.current = draft;
  const addDependency = useCallback((dependency: string, dependent: string) => {
    const result = withDependency(latest.current, dependent, dependency);
    setRefusal(result.refused ?? null);
    if (result.plan) {
      setDraft(result.plan);
      setProblems([]);
    }
  }, []);
  const removeDependency = useCallback((dependency: string, dependent: string) => {
    setDraft((current) => withoutDependency(current, dependent, dependency));
    setRefusal(null);
    setProblems([]);
  }, []);
  const graphEdit = useMemo<DependencyEditing>(() => ({ onConnect: addDependency, onDisconnect: removeDependency }), [addDependency, removeDependency]);
  const phases = useMemo(() => graphFromPlan(draft), [draft]);
  const candidates = useMemo(() => dependencyCandidates(draft), [draft]);
  const openStep = useCallback((step: GraphStep) => {
    setOpened((current) => new Set([...current, step.id]));
    requestAnimationFrame(() => document.querySelector<HTMLInputElement>(`.edit-step[data-step="${CSS.escape(step.id)}"] input`)?.focus());
  }, []);

  const save = async () => {
    if (saving || !dirty) return;
    const found = draftProblems(draft, roles);
    setProblems(found);
    if (found.length > 0) return;
    setSaving(true);
    try {
      const result = await client().request('plans.edit', { host, run: run.id, plan: draft, ...(note.trim() ? { note: note.trim() } : {}) });
      useStore.getState().toast('info', `Saved v${result.version.version} of ${host}/${run.id}: it awaits approval`);
      // The new version is the item to approve now (the host names plan items pl-<run>-<version>).
      openItem(host, `pl-${run.id}-${result.version.version}`);
    } catch (error) {
      setProblems([errorMessage(error)]);
      useStore.getState().toast('error', `Could not save the plan of ${host}/${run.id}: ${errorMessage(error)}`);
      setSaving(false);
    }
  };
  const leave = () => {
    if (!dirty) return onLeave();
    setConfirming(true);
    requestAnimationFrame(() => keep.current?.focus());
  };

  // Capturing, so the item view's own keys (a approves, Esc goes back) never act on a plan being edited.
  const keys = useRef({ save, leave, confirming });
  keys.current = { save, leave, confirming };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const { dialog, paletteOpen, prompts } = useStore.getState();
      if (dialog || paletteOpen || prompts.length > 0) return;
      const modified = event.ctrlKey || event.metaKey;
      if (modified && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        void keys.current.save();
      } else if (event.key === 'Escape' && !modified) {
        event.preventDefault();
        if (keys.current.confirming) setConfirming(false);
        else keys.current.leave();
      } else if ((event.key === 'a' || event.key === 'r') && !modified && !event.altKey && !isTyping(event.target)) {
        event.preventDefault();
        setHint('Deciding waits while you edit: save the edit (Ctrl+S) and decide the new version, or leave the edit (Esc).');
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  return (
    <div className="plan-editor" data-testid="plan-editor" data-dirty={dirty}>
      <div className="plan-editor-bar" role="group" aria-label="Plan edit">
        <span className="plan-editor-what">
          Editing v{version.version} · saves as <strong>v{next}</strong>
          {dirty ? '' : ' (nothing changed yet)'}
        </span>
        <input className="plan-editor-note" name="edit-note" aria-label="Note for the new version (optional)" placeholder="Note (optional): why" value={note} maxLength={4096} onChange={(event) => setNote(event.target.value)} />
        <button type="button" className="primary" data-testid="save-plan" disabled={!dirty || saving} onClick={() => void save()}>
          {saving ? 'Saving…' : `Save as v${next}`} <kbd>Ctrl+S</kbd>
        </button>
        <button type="button" className="ghost-button" onClick={leave}>
          Leave <kbd>Esc</kbd>
        </button>
      </div>
      {confirming && (
        <div className="notice warn plan-editor-confirm" role="alertdialog" aria-labelledby="discard-title" aria-describedby="discard-text">
          <strong id="discard-title">Discard your changes?</strong> <span id="discard-text">Nothing of this edit was saved.</span>
          <button type="button" className="danger" onClick={onLeave}>
            Discard
          </button>
          <button type="button" ref={keep} onClick={() => setConfirming(false)}>
            Keep editing
          </button>
        </div>
      )}
      {hint && (
        <p className="notice info" role="status">
          {hint}
        </p>
      )}
      {problems.length > 0 && (
        <div className="notice danger" role="alert" data-testid="edit-problems">
          Not saved: the plan would be refused.
          <ul>
            {problems.map((problem) => (
              <li key={problem} className="pre-line">
                {problem}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="plan-review">
        <div className="plan-editor-fields">
          <PlanTextFields title={draft.title} summary={draft.summary} onChange={(patch) => change((plan) => withText(plan, patch))} />
          <ConstraintsField
            constraints={draft.constraints ?? []}
            onAdd={(text) => change((plan) => withConstraint(plan, text))}
            onRemove={(index) => change((plan) => withoutConstraint(plan, index))}
          />
          {draft.phases.map((phase) => (
            <fieldset key={phase.id} className="edit-phase">
              <legend>
                Phase <code>{phase.id}</code>: {phase.title}
              </legend>
              <ul className="edit-steps">
                {phase.steps.map((step) => (
                  <StepFields
                    key={step.id}
                    step={step}
                    open={opened.has(step.id)}
                    onToggle={() => setOpened((current) => (current.has(step.id) ? new Set([...current].filter((id) => id !== step.id)) : new Set([...current, step.id])))}
                    roles={roles}
                    candidates={candidates.get(step.id) ?? []}
                    onPatch={(patch) => change((plan) => withStep(plan, step.id, patch))}
                    onAddDependency={(dependency) => addDependency(dependency, step.id)}
                    onRemoveDependency={(dependency) => removeDependency(dependency, step.id)}
                  />
                ))}
              </ul>
            </fieldset>
          ))}
        </div>
        <div className="plan-review-side">
          {refusal && (
            <p className="notice danger" role="alert" data-testid="edit-refusal">
              Refused: {refusal}
            </p>
          )}
          <div className="graph-frame graph-frame-edit">
            <Suspense fallback={<p className="graph-pending">Loading the graph…</p>}>
              <PlanGraph phases={phases} edit={graphEdit} onOpenStep={openStep} label={`The steps of the edited plan by phase; drag from a step to the one that depends on it`} />
            </Suspense>
          </div>
        </div>
      </div>
    </div>
  );
}
