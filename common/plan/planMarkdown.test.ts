import { describe, expect, it } from 'vitest';
import { Plan } from '../protocol/plan';
import { formatHours, planMarkdown } from './planMarkdown';

function migrationPlan(): Plan {
  return Plan.parse({
    title: 'Migrate authentication from JWT to OAuth 2.1 with PKCE',
    summary: 'Introduce an OAuth 2.1 flow with PKCE next to JWT, then move the clients over.',
    analysis: {
      touchpoints: ['src/auth/jwt.ts', 'src/routes/login.ts'],
      dependencies: [],
      risks: ['Sessions issued before the switch must stay valid'],
    },
    phases: [
      {
        id: 'p1',
        title: 'Build the OAuth path',
        estimate_hours: 6,
        steps: [
          { id: 'oauth-client', title: 'Add the OAuth client', description: 'Use openid-client.\nPin the version.', role: 'implementer', depends_on: [], checkpoint: false },
          { id: 'token-store', title: 'Store refresh tokens', description: '', role: 'implementer', depends_on: [], checkpoint: false },
          { id: 'compat', title: 'Accept both token kinds', description: 'Keep JWT working.', role: 'implementer', depends_on: ['oauth-client', 'token-store'], checkpoint: true },
        ],
      },
      {
        id: 'p2',
        title: 'Switch over',
        estimate_hours: 3.5,
        steps: [{ id: 'e2e', title: 'End-to-end login tests', description: 'Cover PKCE.', role: 'tester', depends_on: ['compat'], checkpoint: true }],
      },
    ],
    impact: { components: ['auth service'], breaking_changes: [], testing: [] },
    rollback: ['Turn the oauth flag off', 'Redeploy the previous release\nand clear the token cache'],
    questions: [],
  });
}

describe('planMarkdown', () => {
  const markdown = planMarkdown(migrationPlan(), { version: 2, status: 'awaiting approval', author: 'agent:planner-1' });

  it('opens with the title, the version line with the total estimate, and the summary', () => {
    expect(markdown.split('\n').slice(0, 5)).toEqual([
      '# Migrate authentication from JWT to OAuth 2.1 with PKCE',
      '',
      '_Version 2 · Estimate ≈ 9.5 h over 2 phases and 4 steps · awaiting approval · by agent:planner-1_',
      '',
      'Introduce an OAuth 2.1 flow with PKCE next to JWT, then move the clients over.',
    ]);
  });

  it('lists the constraints after the summary, and has no such section when there are none', () => {
    const constrained = planMarkdown({ ...migrationPlan(), constraints: ['No new runtime dependencies', 'Keep JWT working\nuntil p2'] });
    expect(constrained).toContain(
      'move the clients over.\n\n## Constraints\n\nEvery step keeps these:\n\n- No new runtime dependencies\n- Keep JWT working\n  until p2\n\n## Analysis',
    );
    expect(markdown).not.toContain('## Constraints');
  });

  it('reads a plan written before constraints existed as it always did: it parses with none', () => {
    const { constraints, ...older } = migrationPlan();
    expect(constraints).toEqual([]);
    expect(Plan.parse(older).constraints).toEqual([]);
    expect(planMarkdown(older)).toBe(planMarkdown(migrationPlan()));
  });

  it('lists the analysis, leaving out empty lists', () => {
    expect(markdown).toContain('## Analysis\n\n**Touchpoints**\n\n- src/auth/jwt.ts\n- src/routes/login.ts\n\n**Risks**\n\n- Sessions issued');
    expect(markdown).not.toContain('**Dependencies**');
  });

  it('numbers phases with their estimates and lists steps with role, dependencies, checkpoint and description', () => {
    expect(markdown).toContain('### Phase 1: Build the OAuth path (≈ 6 h)');
    expect(markdown).toContain('### Phase 2: Switch over (≈ 3.5 h)');
    expect(markdown).toContain('- **oauth-client** Add the OAuth client _(implementer; no dependencies)_\n\n  Use openid-client.\n  Pin the version.');
    expect(markdown).toContain('- **token-store** Store refresh tokens _(implementer; no dependencies)_\n\n- **compat**');
    expect(markdown).toContain('- **compat** Accept both token kinds _(implementer; depends on oauth-client, token-store)_ ✋ checkpoint\n\n  Keep JWT working.');
  });

  it('ends with impact, numbered rollback (multi-line items indented) and open questions ("none" when empty)', () => {
    const tail = markdown.slice(markdown.indexOf('## Impact'));
    expect(tail).toBe(
      [
        '## Impact',
        '',
        '**Components**',
        '',
        '- auth service',
        '',
        '## Rollback',
        '',
        '1. Turn the oauth flag off',
        '2. Redeploy the previous release',
        '   and clear the token cache',
        '',
        '## Open questions',
        '',
        '_none_',
        '',
      ].join('\n'),
    );
  });

  it('without meta, the header line carries the estimate alone', () => {
    const plain = planMarkdown({ ...migrationPlan(), rollback: [] });
    expect(plain).toContain('_Estimate ≈ 9.5 h over 2 phases and 4 steps_');
    expect(plain).toContain('## Rollback\n\n_none given_');
  });
});

describe('formatHours', () => {
  it('rounds to a tenth and drops a trailing .0', () => {
    expect([formatHours(2), formatHours(1.5), formatHours(0.1 + 0.2), formatHours(1.26)]).toEqual(['2', '1.5', '0.3', '1.3']);
  });
});
