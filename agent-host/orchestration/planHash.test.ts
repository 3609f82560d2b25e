import { describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import { planHash } from './planHash';

const plan: Plan = {
  title: 'T',
  summary: 'S',
  analysis: { touchpoints: ['a'], dependencies: [], risks: [] },
  phases: [{ id: 'p', title: 'P', estimate_hours: 1, steps: [{ id: 's', title: 'S', description: 'D', role: 'implementer', depends_on: [], checkpoint: false }] }],
  impact: { components: [], breaking_changes: [], testing: [] },
  rollback: [],
  questions: [],
};

describe('planHash', () => {
  it('is the same whatever order the fields came in, and changes with any value', () => {
    const reordered = JSON.parse(JSON.stringify({ questions: [], rollback: [], impact: plan.impact, phases: plan.phases, analysis: plan.analysis, summary: 'S', title: 'T' })) as Plan;
    expect(planHash(reordered)).toBe(planHash(plan));
    expect(planHash(plan)).toMatch(/^[0-9a-f]{64}$/);
    const changed = structuredClone(plan);
    changed.phases[0]!.steps[0]!.checkpoint = true;
    expect(planHash(changed)).not.toBe(planHash(plan));
  });
});
