import type { Plan } from '../protocol/plan';
import { formatHours } from './planMarkdown';
import type { PlacedStep, PlanStep } from './planRules';

/** One difference between two plan versions, as a reviewer reads it. */
export interface PlanChange {
  /** Where in the plan, by ids: `title`, `phases.p1.estimate_hours`, `phases.p1.steps.s2.role`, `analysis.risks`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
  /** One line for humans. */
  text: string;
}

/** Long text shown on one line: whitespace collapsed, cut with an ellipsis. */
function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `"${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`;
}

function changed(path: string, before: unknown, after: unknown, text: string): PlanChange {
  return { path, kind: 'changed', before, after, text };
}

function dependsText(ids: readonly string[]): string {
  return ids.length > 0 ? `depends on ${ids.join(', ')}` : 'no dependencies';
}

/** The list fields of a plan, with what one item of each is called. */
const LISTS: { path: string; noun: string; items: (plan: Plan) => readonly string[] }[] = [
  { path: 'analysis.touchpoints', noun: 'touchpoint', items: (plan) => plan.analysis.touchpoints },
  { path: 'analysis.dependencies', noun: 'dependency', items: (plan) => plan.analysis.dependencies },
  { path: 'analysis.risks', noun: 'risk', items: (plan) => plan.analysis.risks },
  { path: 'impact.components', noun: 'component', items: (plan) => plan.impact.components },
  { path: 'impact.breaking_changes', noun: 'breaking change', items: (plan) => plan.impact.breaking_changes },
  { path: 'impact.testing', noun: 'testing item', items: (plan) => plan.impact.testing },
  { path: 'rollback', noun: 'rollback step', items: (plan) => plan.rollback },
  { path: 'questions', noun: 'open question', items: (plan) => plan.questions },
];

/** Items added and removed, counting repeats (an item listed twice and then once was removed once). */
function listChanges(path: string, noun: string, before: readonly string[], after: readonly string[]): PlanChange[] {
  const remaining = new Map<string, number>();
  for (const text of before) remaining.set(text, (remaining.get(text) ?? 0) + 1);
  const added: string[] = [];
  for (const text of after) {
    const count = remaining.get(text) ?? 0;
    if (count > 0) remaining.set(text, count - 1);
    else added.push(text);
  }
  const removed = before.filter((text) => {
    const count = remaining.get(text) ?? 0;
    if (count > 0) remaining.set(text, count - 1);
    return count > 0;
  });
  return [
    ...removed.map((text): PlanChange => ({ path, kind: 'removed', before: text, text: `${noun} removed: ${oneLine(text)}` })),
    ...added.map((text): PlanChange => ({ path, kind: 'added', after: text, text: `${noun} added: ${oneLine(text)}` })),
  ];
}

function stepsById(plan: Plan): Map<string, PlacedStep> {
  const steps = new Map<string, PlacedStep>();
  for (const phase of plan.phases) for (const step of phase.steps) if (!steps.has(step.id)) steps.set(step.id, { step, phase });
  return steps;
}

function phaseChanges(before: Plan, after: Plan): PlanChange[] {
  const changes: PlanChange[] = [];
  const old = new Map(before.phases.map((phase) => [phase.id, phase]));
  const now = new Map(after.phases.map((phase) => [phase.id, phase]));
  // Phases run in order: the order of the phases both versions have is a change of its own.
  const keptBefore = before.phases.map((phase) => phase.id).filter((id) => now.has(id));
  const keptAfter = after.phases.map((phase) => phase.id).filter((id) => old.has(id));
  if (keptBefore.join('\u0000') !== keptAfter.join('\u0000')) {
    changes.push(changed('phases', keptBefore, keptAfter, `phase order: ${keptBefore.join(', ')} → ${keptAfter.join(', ')}`));
  }
  for (const phase of before.phases) {
    if (now.has(phase.id)) continue;
    changes.push({ path: `phases.${phase.id}`, kind: 'removed', before: phase, text: `phase ${phase.id} ${oneLine(phase.title)} removed` });
  }
  for (const phase of after.phases) {
    const path = `phases.${phase.id}`;
    const was = old.get(phase.id);
    if (!was) {
      const size = `≈ ${formatHours(phase.estimate_hours)} h, ${phase.steps.length} step${phase.steps.length === 1 ? '' : 's'}`;
      changes.push({ path, kind: 'added', after: phase, text: `phase ${phase.id} ${oneLine(phase.title)} added (${size})` });
      continue;
    }
    if (was.title !== phase.title) {
      changes.push(changed(`${path}.title`, was.title, phase.title, `phase ${phase.id} title: ${oneLine(was.title)} → ${oneLine(phase.title)}`));
    }
    if (was.estimate_hours !== phase.estimate_hours) {
      const text = `phase ${phase.id} estimate: ${formatHours(was.estimate_hours)} h → ${formatHours(phase.estimate_hours)} h`;
      changes.push(changed(`${path}.estimate_hours`, was.estimate_hours, phase.estimate_hours, text));
    }
  }
  return changes;
}

/** The fields of a step kept across versions (by id), wherever its phase. */
function stepFieldChanges(path: string, was: PlanStep, step: PlanStep): PlanChange[] {
  const changes: PlanChange[] = [];
  const name = `step ${step.id}`;
  if (was.title !== step.title) {
    changes.push(changed(`${path}.title`, was.title, step.title, `${name} title: ${oneLine(was.title)} → ${oneLine(step.title)}`));
  }
  if (was.description !== step.description) {
    changes.push(changed(`${path}.description`, was.description, step.description, `${name} description: ${oneLine(step.description)}`));
  }
  if (was.role !== step.role) {
    changes.push(changed(`${path}.role`, was.role, step.role, `${name} role: ${was.role} → ${step.role}`));
  }
  for (const id of was.depends_on) {
    if (step.depends_on.includes(id)) continue;
    changes.push({ path: `${path}.depends_on.${id}`, kind: 'removed', before: id, text: `${name} no longer depends on ${id}` });
  }
  for (const id of step.depends_on) {
    if (was.depends_on.includes(id)) continue;
    changes.push({ path: `${path}.depends_on.${id}`, kind: 'added', after: id, text: `${name} now depends on ${id}` });
  }
  if (was.checkpoint !== step.checkpoint) {
    const text = step.checkpoint ? `${name} now stops at a checkpoint` : `${name} no longer stops at a checkpoint`;
    changes.push(changed(`${path}.checkpoint`, was.checkpoint, step.checkpoint, text));
  }
  return changes;
}

function stepChanges(before: Plan, after: Plan): PlanChange[] {
  const changes: PlanChange[] = [];
  const old = stepsById(before);
  const now = stepsById(after);
  for (const [id, { step, phase }] of old) {
    if (now.has(id)) continue;
    const text = `step ${id} ${oneLine(step.title)} removed from phase ${phase.id}`;
    changes.push({ path: `phases.${phase.id}.steps.${id}`, kind: 'removed', before: step, text });
  }
  for (const [id, { step, phase }] of now) {
    const path = `phases.${phase.id}.steps.${id}`;
    const was = old.get(id);
    if (!was) {
      const details = `${step.role}; ${dependsText(step.depends_on)}${step.checkpoint ? '; checkpoint' : ''}`;
      const text = `step ${id} ${oneLine(step.title)} added to phase ${phase.id} (${details})`;
      changes.push({ path, kind: 'added', after: step, text });
      continue;
    }
    if (was.phase.id !== phase.id) {
      changes.push(changed(`${path}.phase`, was.phase.id, phase.id, `step ${id} moved from phase ${was.phase.id} to ${phase.id}`));
    }
    changes.push(...stepFieldChanges(path, was.step, step));
  }
  return changes;
}

/**
 * What changed from one plan version to the next, in the order the plan reads: title and summary, constraints,
 * analysis, phases, steps (matched by id, so a step moved between phases is a move, not a removal and an addition),
 * impact, rollback, open questions.
 */
export function planDiff(before: Plan, after: Plan): PlanChange[] {
  const changes: PlanChange[] = [];
  if (before.title !== after.title) changes.push(changed('title', before.title, after.title, `title: ${oneLine(before.title)} → ${oneLine(after.title)}`));
  if (before.summary !== after.summary) changes.push(changed('summary', before.summary, after.summary, `summary: ${oneLine(after.summary)}`));
  changes.push(...listChanges('constraints', 'constraint', before.constraints ?? [], after.constraints ?? []));
  const lists = (analysis: boolean): PlanChange[] =>
    LISTS.filter((list) => list.path.startsWith('analysis.') === analysis).flatMap((list) =>
      listChanges(list.path, list.noun, list.items(before), list.items(after)),
    );
  changes.push(...lists(true), ...phaseChanges(before, after), ...stepChanges(before, after), ...lists(false));
  return changes;
}

const PREFIX: Record<PlanChange['kind'], string> = { added: '+', removed: '-', changed: '~' };

/** One line per change (`+ risk added: "…"`, `~ step s2 role: implementer → tester`); "no changes" when there are none. */
export function formatPlanDiff(changes: readonly PlanChange[]): string {
  return changes.length === 0 ? 'no changes' : changes.map((change) => `${PREFIX[change.kind]} ${change.text}`).join('\n');
}
