import { describe, expect, it } from 'vitest';
import { planLines } from '../../../common/plan/planLines';
import type { Plan } from '../../../common/protocol/plan';
import {
  draftProblems,
  editable,
  foldUnchanged,
  sameContent,
  sideBySide,
  withConstraint,
  withDependency,
  withoutConstraint,
  withoutDependency,
  withStep,
  withText,
  type DiffRow,
} from './planEdit';

const step = (id: string, depends_on: string[] = []) => ({ id, title: `Do ${id}`, description: '', role: 'implementer', depends_on, checkpoint: false });

const PLAN: Plan = {
  title: 'Greet',
  summary: 'A flag.',
  analysis: { touchpoints: [], dependencies: [], risks: [] },
  phases: [
    { id: 'build', title: 'Build', estimate_hours: 2, steps: [step('core'), step('cli', ['core']), step('docs')] },
    { id: 'ship', title: 'Ship', estimate_hours: 1, steps: [step('release', ['cli'])] },
  ],
  impact: { components: [], breaking_changes: [], testing: [] },
  rollback: [],
  questions: [],
};

const dependsOf = (plan: Plan, id: string) => plan.phases.flatMap((phase) => phase.steps).find((candidate) => candidate.id === id)!.depends_on;

describe('plan edits', () => {
  it('change the title, a step, constraints, without touching the plan they start from', () => {
    const plan = editable(PLAN);
    const edited = withStep(withText(plan, { title: 'Greet loudly' }), 'cli', { title: 'Parse -v', role: 'tester', checkpoint: true });
    expect(edited.title).toBe('Greet loudly');
    expect(edited.phases[0]!.steps[1]).toMatchObject({ id: 'cli', title: 'Parse -v', role: 'tester', checkpoint: true, depends_on: ['core'] });
    expect(PLAN.title).toBe('Greet');
    expect(PLAN.phases[0]!.steps[1]!.title).toBe('Do cli');
    expect(edited.phases[1]).toBe(plan.phases[1]);

    const constrained = withConstraint(withConstraint(plan, '  No new dependencies  '), 'Keep the CLI stable');
    expect(constrained.constraints).toEqual(['No new dependencies', 'Keep the CLI stable']);
    expect(withConstraint(constrained, 'No new dependencies')).toBe(constrained);
    expect(withConstraint(constrained, '   ')).toBe(constrained);
    expect(withoutConstraint(constrained, 0).constraints).toEqual(['Keep the CLI stable']);
  });

  it('add a dependency that keeps the rules, and remove one', () => {
    const added = withDependency(PLAN, 'docs', 'cli');
    expect(added.refused).toBeUndefined();
    expect(dependsOf(added.plan!, 'docs')).toEqual(['cli']);
    expect(dependsOf(withoutDependency(added.plan!, 'docs', 'cli'), 'docs')).toEqual([]);
  });

  it('refuse a dependency that makes a cycle, naming it step by step', () => {
    expect(withDependency(PLAN, 'core', 'cli')).toEqual({
      refused: '"core" cannot depend on "cli": dependency cycle: core → cli → core (each step depends on the next)',
    });
  });

  it('refuse a dependency on a later phase, on itself, and one already there', () => {
    expect(withDependency(PLAN, 'docs', 'release').refused).toBe(
      '"docs" cannot depend on "release": step "docs" (phase "build") depends on "release" of the later phase "ship": phases run in order',
    );
    expect(withDependency(PLAN, 'docs', 'docs').refused).toBe('"docs" cannot depend on "docs": step "docs" depends on itself');
    expect(withDependency(PLAN, 'cli', 'core').refused).toBe('"cli" already depends on "core"');
  });

  it("judge only the new problem: a role the reviewer has not fixed yet does not block a dependency", () => {
    const odd = withStep(PLAN, 'docs', { role: 'writer' });
    expect(withDependency(odd, 'docs', 'core').refused).toBeUndefined();
  });

  it('name what the host would refuse in a draft: schema first, then roles against the runbook', () => {
    expect(draftProblems(withText(PLAN, { title: '' }), ['implementer'])).toEqual(['title: Too small: expected string to have >=1 characters']);
    expect(draftProblems(withStep(PLAN, 'docs', { role: 'writer' }), ['implementer', 'tester'])).toEqual([
      'step "docs" has role "writer", which is not one of the runbook\'s roles: implementer, tester',
    ]);
    expect(draftProblems(withStep(PLAN, 'docs', { role: 'writer' }), null)).toEqual([]);
  });

  it('tell an unchanged draft from a changed one, a missing constraints list being an empty one', () => {
    expect(sameContent(PLAN, editable(PLAN))).toBe(true);
    expect(sameContent(PLAN, withStep(PLAN, 'docs', { description: 'x' }))).toBe(false);
  });
});

const texts = (row: DiffRow) => [row.before?.segments.map((s) => (s.changed ? `[${s.text}]` : s.text)).join(''), row.after?.segments.map((s) => (s.changed ? `[${s.text}]` : s.text)).join('')];

describe('versions side by side', () => {
  it('pair a changed line across, marking the words that changed, and keep unchanged lines aligned', () => {
    const edited = withConstraint(withStep(PLAN, 'cli', { title: 'Parse the -v flag' }), 'No new dependencies');
    const rows = sideBySide(planLines(PLAN), planLines(edited));
    const changed = rows.filter((row) => row.kind !== 'same');
    expect(changed.map((row) => [row.kind, ...texts(row)])).toEqual([
      ['added', undefined, '[constraint: No new dependencies]'],
      ['changed', '  step cli: [Do] [cli]', '  step cli: [Parse] [the -v flag]'],
    ]);
    expect(rows.every((row) => row.kind !== 'same' || row.before!.segments[0]!.text === row.after!.segments[0]!.text)).toBe(true);
    expect(rows.at(-1)!.before!.number).toBe(planLines(PLAN).length);
    expect(rows.at(-1)!.after!.number).toBe(planLines(edited).length);
  });

  it('show lines removed and added beyond the pairs on one side only', () => {
    const rows = sideBySide(['a', 'b', 'c', 'd'], ['a', 'x', 'd', 'e']);
    expect(rows.map((row) => row.kind)).toEqual(['same', 'changed', 'removed', 'same', 'added']);
    expect(rows[2]!.after).toBeNull();
    expect(rows[4]!.before).toBeNull();
  });

  it('fold unchanged runs away from the changes, keeping context around each', () => {
    const before = Array.from({ length: 20 }, (_, index) => `line ${index}`);
    const after = before.map((line, index) => (index === 10 ? 'changed' : line));
    const shown = foldUnchanged(sideBySide(before, after), 2);
    expect(shown.map((row) => (row.kind === 'fold' ? `fold ${row.rows.length}` : row.kind))).toEqual(['fold 8', 'same', 'same', 'changed', 'same', 'same', 'fold 7']);
    expect(foldUnchanged(sideBySide(['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'x']), 0).map((row) => row.kind)).toEqual(['same', 'same', 'same', 'changed']);
  });
});
