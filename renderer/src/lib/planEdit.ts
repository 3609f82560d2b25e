import { diffArrays, diffWordsWithSpace } from 'diff';
import { planProblems, type PlanStep } from '../../../common/plan/planRules';
import { Plan } from '../../../common/protocol/plan';
import { describeZodIssues } from '../../../common/zodIssues';

/*
 * What a person does to a plan in the review, as pure functions of the plan (the editor keeps the draft, the host
 * validates again on save), and the side-by-side difference of two versions.
 */

export type StepPatch = Partial<Pick<PlanStep, 'title' | 'description' | 'role' | 'checkpoint'>>;

/** The plan to edit: constraints filled in, so every edit can take them as given. */
export function editable(plan: Plan): Plan {
  return { ...plan, constraints: plan.constraints ?? [] };
}

export function withText(plan: Plan, patch: { title?: string; summary?: string }): Plan {
  return { ...plan, ...patch };
}

function mapSteps(plan: Plan, id: string, change: (step: PlanStep) => PlanStep): Plan {
  return {
    ...plan,
    phases: plan.phases.map((phase) => (phase.steps.some((step) => step.id === id) ? { ...phase, steps: phase.steps.map((step) => (step.id === id ? change(step) : step)) } : phase)),
  };
}

export function withStep(plan: Plan, id: string, patch: StepPatch): Plan {
  return mapSteps(plan, id, (step) => ({ ...step, ...patch }));
}

/** The constraint added at the end; blank text, or one the plan already has, changes nothing. */
export function withConstraint(plan: Plan, text: string): Plan {
  const constraints = plan.constraints ?? [];
  const constraint = text.trim();
  return !constraint || constraints.includes(constraint) ? plan : { ...plan, constraints: [...constraints, constraint] };
}

export function withoutConstraint(plan: Plan, index: number): Plan {
  return { ...plan, constraints: (plan.constraints ?? []).filter((_, at) => at !== index) };
}

export function withoutDependency(plan: Plan, id: string, dependency: string): Plan {
  return mapSteps(plan, id, (step) => ({ ...step, depends_on: step.depends_on.filter((other) => other !== dependency) }));
}

/** The roles the plan's steps have: checking dependencies alone, a role the reviewer has not fixed yet is no objection. */
function rolesIn(plan: Plan): string[] {
  return [...new Set(plan.phases.flatMap((phase) => phase.steps.map((step) => step.role)))];
}

export type DependencyEdit = { plan: Plan; refused?: never } | { refused: string; plan?: never };

/**
 * `id` now depends on `dependency` (a dragged edge from dependency to dependent) — unless that breaks a rule the plan
 * kept: then refused, with the rule's words (a cycle is named step by step: `a → b → a`).
 */
export function withDependency(plan: Plan, id: string, dependency: string): DependencyEdit {
  const step = plan.phases.flatMap((phase) => phase.steps).find((candidate) => candidate.id === id);
  if (!step) return { refused: `there is no step "${id}"` };
  if (step.depends_on.includes(dependency)) return { refused: `"${id}" already depends on "${dependency}"` };
  const next = mapSteps(plan, id, (current) => ({ ...current, depends_on: [...current.depends_on, dependency] }));
  const roles = rolesIn(plan);
  const known = new Set(planProblems(plan, roles));
  const added = planProblems(next, roles).filter((problem) => !known.has(problem));
  return added.length > 0 ? { refused: `"${id}" cannot depend on "${dependency}": ${added.join('; ')}` } : { plan: next };
}

/**
 * Why the host would refuse the draft: its schema (empty titles, sizes), then the plan's rules. `roles` are the
 * runbook's step roles; null when they are not known here (the host checks the roles on save).
 */
export function draftProblems(plan: Plan, roles: readonly string[] | null): string[] {
  const parsed = Plan.safeParse(plan);
  if (!parsed.success) return [describeZodIssues(parsed.error)];
  return planProblems(parsed.data, roles ?? rolesIn(plan));
}

export function sameContent(a: Plan, b: Plan): boolean {
  return JSON.stringify(editable(a)) === JSON.stringify(editable(b));
}

/** A piece of a line in the side-by-side view; `changed` marks the words that differ from the other side. */
export interface Segment {
  text: string;
  changed: boolean;
}

export interface SideLine {
  /** 1-based, in its own version. */
  number: number;
  segments: Segment[];
}

export interface DiffRow {
  kind: 'same' | 'changed' | 'removed' | 'added';
  before: SideLine | null;
  after: SideLine | null;
}

const whole = (text: string, changed: boolean): Segment[] => [{ text, changed }];

/** Two versions of a line, word by word: each side keeps its own words, those not on the other side marked. */
function wordSegments(before: string, after: string): [Segment[], Segment[]] {
  const parts = diffWordsWithSpace(before, after);
  return [
    parts.filter((part) => !part.added).map((part) => ({ text: part.value, changed: part.removed })),
    parts.filter((part) => !part.removed).map((part) => ({ text: part.value, changed: part.added })),
  ];
}

/**
 * Two texts (one entry a line) as rows side by side: equal lines across from each other, a run of removed lines
 * paired with the run of added lines that replaced it (changed, word by word), the rest on one side only.
 */
export function sideBySide(before: readonly string[], after: readonly string[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let left = 0;
  let right = 0;
  const changes = diffArrays([...before], [...after]);
  for (let index = 0; index < changes.length; index++) {
    const change = changes[index]!;
    if (!change.added && !change.removed) {
      for (const line of change.value) rows.push({ kind: 'same', before: { number: ++left, segments: whole(line, false) }, after: { number: ++right, segments: whole(line, false) } });
      continue;
    }
    const removed = change.removed ? change.value : [];
    const next = changes[index + 1];
    const added = change.added ? change.value : next?.added ? next.value : [];
    if (change.removed && next?.added) index++;
    for (let at = 0; at < Math.max(removed.length, added.length); at++) {
      const was = removed[at];
      const now = added[at];
      if (was !== undefined && now !== undefined) {
        const [old, fresh] = wordSegments(was, now);
        rows.push({ kind: 'changed', before: { number: ++left, segments: old }, after: { number: ++right, segments: fresh } });
      } else if (was !== undefined) rows.push({ kind: 'removed', before: { number: ++left, segments: whole(was, true) }, after: null });
      else rows.push({ kind: 'added', before: null, after: { number: ++right, segments: whole(now!, true) } });
    }
  }
  return rows;
}

export type ShownRow = DiffRow | { kind: 'fold'; rows: DiffRow[] };

/** Fewer unchanged lines than this stay in place: a fold's own line would save next to nothing. */
const SMALLEST_FOLD = 4;

/** Unchanged rows farther than `context` from any change folded away, runs of at least SMALLEST_FOLD rows. */
export function foldUnchanged(rows: readonly DiffRow[], context: number): ShownRow[] {
  const near = rows.map(() => false);
  rows.forEach((row, index) => {
    if (row.kind === 'same') return;
    for (let at = Math.max(0, index - context); at <= Math.min(rows.length - 1, index + context); at++) near[at] = true;
  });
  const shown: ShownRow[] = [];
  let folded: DiffRow[] = [];
  const flush = () => {
    if (folded.length >= SMALLEST_FOLD) shown.push({ kind: 'fold', rows: folded });
    else shown.push(...folded);
    folded = [];
  };
  rows.forEach((row, index) => {
    if (row.kind === 'same' && !near[index]) folded.push(row);
    else {
      flush();
      shown.push(row);
    }
  });
  flush();
  return shown;
}
