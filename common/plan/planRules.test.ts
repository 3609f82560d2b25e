import { describe, expect, it } from 'vitest';
import { Plan } from '../protocol/plan';
import { planProblems, stepRoleNames, stepsInOrder } from './planRules';

const ROLES = ['planner', 'implementer', 'tester', 'reviewer'];

type Step = Plan['phases'][number]['steps'][number];
const step = (id: string, role: string, depends_on: string[] = [], checkpoint = false): Step => ({
  id,
  title: `Step ${id}`,
  description: `Do ${id}.`,
  role,
  depends_on,
  checkpoint,
});

/** JWT → OAuth: two parallel steps joined by a third in phase 1, then the switch-over in phase 2. */
function migrationPlan(): Plan {
  return Plan.parse({
    title: 'Migrate authentication from JWT to OAuth 2.1 with PKCE',
    summary: 'Introduce an OAuth 2.1 authorization-code flow with PKCE next to JWT, then move the clients over.',
    analysis: { touchpoints: ['src/auth/jwt.ts', 'src/routes/login.ts'], dependencies: ['jsonwebtoken'], risks: ['Sessions issued before the switch'] },
    phases: [
      {
        id: 'p1',
        title: 'Build the OAuth path',
        estimate_hours: 6,
        steps: [step('oauth-client', 'implementer'), step('token-store', 'implementer'), step('compat', 'implementer', ['oauth-client', 'token-store'], true)],
      },
      { id: 'p2', title: 'Switch over', estimate_hours: 3.5, steps: [step('routes', 'implementer', ['compat']), step('e2e', 'tester', ['routes'], true)] },
    ],
    impact: { components: ['auth'], breaking_changes: [], testing: ['login e2e'] },
    rollback: ['Turn the oauth flag off', 'Redeploy the previous release'],
    questions: [],
  });
}

describe('planProblems', () => {
  it('finds nothing wrong with a valid plan', () => {
    expect(planProblems(migrationPlan(), ROLES)).toEqual([]);
  });

  it('names duplicate phase and step ids, also across phases', () => {
    const plan = migrationPlan();
    plan.phases[1]!.id = 'p1';
    plan.phases[1]!.steps[0]!.id = 'compat';
    expect(planProblems(plan, ROLES)).toEqual(
      expect.arrayContaining(['phase id "p1" is used by 2 phases', 'step id "compat" is used by 2 steps (in phase "p1")']),
    );
    const other = migrationPlan();
    other.phases[1]!.steps[0]!.id = 'token-store';
    expect(planProblems(other, ROLES)).toContain('step id "token-store" is used by 2 steps (in phases "p1", "p2")');
  });

  it('names an unknown role and lists the allowed ones', () => {
    const plan = migrationPlan();
    plan.phases[0]!.steps[1]!.role = 'dba';
    expect(planProblems(plan, ROLES)).toEqual([
      `step "token-store" has role "dba", which is not one of the runbook's roles: planner, implementer, tester, reviewer`,
    ]);
  });

  it('names dangling and self dependencies', () => {
    const plan = migrationPlan();
    plan.phases[1]!.steps[0]!.depends_on = ['compat', 'schema-migration'];
    plan.phases[1]!.steps[1]!.depends_on = ['e2e'];
    expect(planProblems(plan, ROLES)).toEqual([
      'step "routes" depends on "schema-migration", which is no step of the plan',
      'step "e2e" depends on itself',
    ]);
  });

  it('names a cycle with its path, once, however it is entered', () => {
    const plan = migrationPlan();
    // oauth-client → compat → oauth-client, all in phase 1.
    plan.phases[0]!.steps[0]!.depends_on = ['compat'];
    expect(planProblems(plan, ROLES)).toEqual(['dependency cycle: oauth-client → compat → oauth-client (each step depends on the next)']);
  });

  it('names a three-step cycle in order', () => {
    const plan = migrationPlan();
    plan.phases[0]!.steps[0]!.depends_on = ['token-store'];
    plan.phases[0]!.steps[1]!.depends_on = ['compat'];
    plan.phases[0]!.steps[2]!.depends_on = ['oauth-client'];
    const cycles = planProblems(plan, ROLES).filter((problem) => problem.startsWith('dependency cycle'));
    expect(cycles).toEqual(['dependency cycle: oauth-client → token-store → compat → oauth-client (each step depends on the next)']);
  });

  it('refuses a step that depends on a step of a later phase', () => {
    const plan = migrationPlan();
    plan.phases[0]!.steps[1]!.depends_on = ['routes'];
    expect(planProblems(plan, ROLES)).toEqual([
      'step "token-store" (phase "p1") depends on "routes" of the later phase "p2": phases run in order',
      'dependency cycle: token-store → routes → compat → token-store (each step depends on the next)',
    ]);
  });

  it('says so when the runbook declares no roles', () => {
    expect(planProblems(migrationPlan(), [])[0]).toBe(`step "oauth-client" has role "implementer", which is not a role of the runbook (it declares none)`);
  });
});

describe('stepRoleNames', () => {
  it('keeps the planner and the retrospective out of the roles a step may have', () => {
    expect(stepRoleNames(['planner', 'implementer', 'retrospective', 'tester'])).toEqual(['implementer', 'tester']);
  });
});

describe('stepsInOrder', () => {
  it('keeps plan order when dependencies allow it, with each step after what it depends on', () => {
    const order = stepsInOrder(migrationPlan()).map(({ step, phase }) => `${phase.id}/${step.id}`);
    expect(order).toEqual(['p1/oauth-client', 'p1/token-store', 'p1/compat', 'p2/routes', 'p2/e2e']);
  });

  it('moves a step after a later-listed dependency of the same phase, and no further', () => {
    const plan = migrationPlan();
    plan.phases[0]!.steps[0]!.depends_on = ['token-store'];
    plan.phases[0]!.steps.push(step('docs', 'implementer'));
    const order = stepsInOrder(plan).map(({ step }) => step.id);
    expect(order).toEqual(['token-store', 'oauth-client', 'compat', 'docs', 'routes', 'e2e']);
  });

  it('throws on a cycle, naming the steps it could not place', () => {
    const plan = migrationPlan();
    plan.phases[0]!.steps[0]!.depends_on = ['compat'];
    expect(() => stepsInOrder(plan)).toThrow(/"oauth-client", "compat", "routes", "e2e" wait on a cycle or a missing step/);
  });
});
