import { describe, expect, it } from 'vitest';
import { Plan } from '../protocol/plan';
import { formatPlanDiff, planDiff } from './planDiff';

function migrationPlan(): Plan {
  return Plan.parse({
    title: 'Migrate authentication from JWT to OAuth 2.1',
    summary: 'OAuth next to JWT, then switch the clients.',
    analysis: { touchpoints: ['src/auth/jwt.ts'], dependencies: ['jsonwebtoken'], risks: ['Old sessions'] },
    phases: [
      {
        id: 'p1',
        title: 'Build the OAuth path',
        estimate_hours: 6,
        steps: [
          { id: 'oauth-client', title: 'Add the OAuth client', description: 'Use openid-client.', role: 'implementer', depends_on: [], checkpoint: false },
          { id: 'token-store', title: 'Store refresh tokens', description: 'In Postgres.', role: 'implementer', depends_on: [], checkpoint: false },
          { id: 'compat', title: 'Accept both token kinds', description: 'Keep JWT.', role: 'implementer', depends_on: ['oauth-client', 'token-store'], checkpoint: true },
        ],
      },
      {
        id: 'p2',
        title: 'Switch over',
        estimate_hours: 3,
        steps: [{ id: 'e2e', title: 'Login tests', description: 'Cover PKCE.', role: 'tester', depends_on: ['compat'], checkpoint: false }],
      },
    ],
    impact: { components: ['auth'], breaking_changes: [], testing: ['login e2e'] },
    rollback: ['Turn the oauth flag off'],
    questions: ['Keep JWT for mobile clients?'],
  });
}

describe('planDiff', () => {
  it('finds nothing between equal plans', () => {
    expect(planDiff(migrationPlan(), migrationPlan())).toEqual([]);
    expect(formatPlanDiff([])).toBe('no changes');
  });

  it('reports what a reviewer edited, in the order the plan reads', () => {
    const before = migrationPlan();
    const after = migrationPlan();
    after.title = 'Migrate authentication to OAuth 2.1 with PKCE';
    after.analysis.risks.push('Clock skew between IdP and API');
    after.phases[0]!.estimate_hours = 8;
    const [oauth, store, compat] = after.phases[0]!.steps as [Plan['phases'][0]['steps'][0], Plan['phases'][0]['steps'][0], Plan['phases'][0]['steps'][0]];
    store.role = 'reviewer';
    compat.depends_on = ['oauth-client'];
    after.phases[1]!.steps[0]!.checkpoint = true;
    after.phases[1]!.steps[0]!.depends_on = ['compat', 'oauth-client'];
    oauth.title = 'Add the OAuth 2.1 client';
    after.questions = [];
    after.rollback.push('Revoke issued refresh tokens');

    const changes = planDiff(before, after);
    expect(formatPlanDiff(changes).split('\n')).toEqual([
      '~ title: "Migrate authentication from JWT to OAuth 2.1" → "Migrate authentication to OAuth 2.1 with PKCE"',
      '+ risk added: "Clock skew between IdP and API"',
      '~ phase p1 estimate: 6 h → 8 h',
      '~ step oauth-client title: "Add the OAuth client" → "Add the OAuth 2.1 client"',
      '~ step token-store role: implementer → reviewer',
      '- step compat no longer depends on token-store',
      '+ step e2e now depends on oauth-client',
      '~ step e2e now stops at a checkpoint',
      '+ rollback step added: "Revoke issued refresh tokens"',
      '- open question removed: "Keep JWT for mobile clients?"',
    ]);
    expect(changes.find((change) => change.path === 'phases.p1.steps.token-store.role')).toEqual({
      path: 'phases.p1.steps.token-store.role',
      kind: 'changed',
      before: 'implementer',
      after: 'reviewer',
      text: 'step token-store role: implementer → reviewer',
    });
    expect(changes.find((change) => change.path === 'phases.p1.steps.compat.depends_on.token-store')).toMatchObject({ kind: 'removed', before: 'token-store' });
  });

  it('reports constraints added and removed right after the summary', () => {
    const before = { ...migrationPlan(), constraints: ['Keep JWT working until phase p2'] };
    const after = { ...migrationPlan(), summary: 'OAuth first.', constraints: ['No new runtime dependencies'] };
    expect(formatPlanDiff(planDiff(before, after)).split('\n')).toEqual([
      '~ summary: "OAuth first."',
      '- constraint removed: "Keep JWT working until phase p2"',
      '+ constraint added: "No new runtime dependencies"',
    ]);
    // A plan written before constraints existed has none.
    const { constraints: _none, ...older } = migrationPlan();
    expect(planDiff(older, migrationPlan())).toEqual([]);
  });

  it('tells a step moved between phases from one removed and one added', () => {
    const before = migrationPlan();
    const after = migrationPlan();
    const moved = after.phases[0]!.steps.splice(1, 1)[0]!;
    after.phases[1]!.steps.unshift(moved);
    after.phases[0]!.steps.splice(0, 1);
    after.phases[0]!.steps[0]!.depends_on = ['token-store'];
    after.phases[1]!.steps.push({ id: 'docs', title: 'Document the login flow', description: '', role: 'implementer', depends_on: ['e2e'], checkpoint: false });

    expect(planDiff(before, after)).toEqual([
      expect.objectContaining({ path: 'phases.p1.steps.oauth-client', kind: 'removed', text: 'step oauth-client "Add the OAuth client" removed from phase p1' }),
      expect.objectContaining({ path: 'phases.p1.steps.compat.depends_on.oauth-client', kind: 'removed' }),
      expect.objectContaining({ path: 'phases.p2.steps.token-store.phase', kind: 'changed', before: 'p1', after: 'p2', text: 'step token-store moved from phase p1 to p2' }),
      expect.objectContaining({
        path: 'phases.p2.steps.docs',
        kind: 'added',
        text: 'step docs "Document the login flow" added to phase p2 (implementer; depends on e2e)',
      }),
    ]);
  });

  it('reports phases added, removed, retitled and reordered', () => {
    const before = migrationPlan();
    const after = migrationPlan();
    after.phases.reverse();
    after.phases[0]!.title = 'Cut over';
    after.phases.push({ id: 'p3', title: 'Remove JWT', estimate_hours: 1.5, steps: [{ ...before.phases[1]!.steps[0]!, id: 'drop-jwt', depends_on: [] }] });
    const trimmed = { ...after, phases: after.phases.filter((phase) => phase.id !== 'p1') };

    expect(formatPlanDiff(planDiff(before, after)).split('\n').slice(0, 4)).toEqual([
      '~ phase order: p1, p2 → p2, p1',
      '~ phase p2 title: "Switch over" → "Cut over"',
      '+ phase p3 "Remove JWT" added (≈ 1.5 h, 1 step)',
      '+ step drop-jwt "Login tests" added to phase p3 (tester; no dependencies)',
    ]);
    const removed = planDiff(before, trimmed);
    expect(removed[0]).toMatchObject({ path: 'phases.p1', kind: 'removed', text: 'phase p1 "Build the OAuth path" removed' });
    expect(removed.filter((change) => change.kind === 'removed' && change.path.startsWith('phases.p1.steps.'))).toHaveLength(3);
  });

  it('counts repeated list items and keeps long text on one short line', () => {
    const before = migrationPlan();
    const after = migrationPlan();
    before.impact.testing = ['login e2e', 'login e2e'];
    after.summary = `${'A much longer summary. '.repeat(10)}\nWith a second line.`;
    const changes = planDiff(before, after);
    expect(changes.map((change) => change.text)).toEqual([
      expect.stringMatching(/^summary: "A much longer summary\. A much .{60,}…"$/),
      'testing item removed: "login e2e"',
    ]);
    expect(changes[0]!.text.length).toBeLessThan(120);
    expect(changes[0]!.after).toBe(after.summary);
  });
});
