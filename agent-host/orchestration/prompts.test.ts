import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../common/protocol/plan';
import { parseRunbook } from '../runbooks/parseRunbook';
import { fillParams, learningsSection, plannerPrompt, stepPrompt, stepRoles } from './prompts';
import { stepAgentName } from './stepLaunch';

const file = join(resolve(import.meta.dirname, '../../runbooks'), 'add-feature.md');
const learnt = readFileSync(file, 'utf8').replace(/## Learnings[\s\S]*$/, '## Learnings\n\n- Run the linter before the tests (run r-000001).\n');
const runbook = parseRunbook(learnt, 'runbooks/add-feature.md', 'built-in');

describe('prompts', () => {
  it('fills {{params}} it knows and leaves other braces alone', () => {
    expect(fillParams('Add {{ feature }} in {{area}} {{unknown}} {x}', { feature: 'a flag', area: 'cli' })).toBe('Add a flag in cli {{unknown}} {x}');
  });

  it("gives the planner its role, the guidance without the learnings section, the learnings on their own, and the roles it may use", () => {
    const prompt = plannerPrompt({ run: 'r-1a2b3c', runbook, repo: 'app', baseCommit: 'abc123', params: { feature: 'verbose output' }, accepted: [] });
    expect(prompt).toContain('You are the planner of run r-1a2b3c: runbook add-feature');
    expect(prompt).toContain('- feature = verbose output');
    expect(prompt).toContain('## Learnings from earlier runs\n\n### In the runbook add-feature\n- Run the linter before the tests (run r-000001).');
    expect(prompt.match(/Run the linter/g)).toHaveLength(1);
    expect(prompt).toContain('Assign each step to one of these roles: implementer, tester.');
  });

  it("tells a step agent its step, what upstream steps did, and how to finish", () => {
    const step = { id: 'docs', title: 'Document', description: 'Write the README section.', role: 'implementer', depends_on: ['flag'], checkpoint: true };
    const plan = { title: 'Verbose', summary: 'A flag.', phases: [{ id: 'p1', title: 'Build', estimate_hours: 1, steps: [step] }] } as Plan;
    const prompt = stepPrompt({
      run: 'r-1a2b3c',
      runbook,
      plan,
      phase: { id: 'p1', title: 'Build' },
      step,
      params: { feature: 'verbose output' },
      branch: 'flightdeck/r-1a2b3c-docs',
      baseCommit: 'def456',
      upstream: [{ id: 'flag', title: 'Add the flag', summary: 'greet.js takes -v' }],
      accepted: [{ appliesTo: 'repo', text: 'Tests live in test/.', run: 'r-000002' }],
    });
    expect(prompt).toMatch(/^You are the implementer of step "docs" \(Document\) in run r-1a2b3c/);
    expect(prompt).toContain('Write the README section.');
    expect(prompt).toContain('- flag (Add the flag): greet.js takes -v');
    expect(prompt).toContain('call checkpoint');
    expect(prompt).toContain('started from the run\'s integration branch at def456');
    expect(prompt).toContain('- [repo] Tests live in test/. (run r-000002)');
  });

  it("gives every step agent the plan's constraints, right before its step, and the planner how to submit them", () => {
    const step = { id: 'flag', title: 'Add the flag', description: 'greet.js takes -v.', role: 'implementer', depends_on: [], checkpoint: false };
    const plan = { title: 'Verbose', summary: 'A flag.', constraints: ['No new dependencies', 'Keep the output\nbyte-identical without -v'], phases: [] } as unknown as Plan;
    const input = { run: 'r-1a2b3c', runbook, plan, phase: { id: 'p1', title: 'Build' }, step, params: {}, branch: 'b', baseCommit: 'c', upstream: [], accepted: [] };
    expect(stepPrompt(input)).toContain(
      'A flag.\n\n## Constraints (keep every one)\n- No new dependencies\n- Keep the output\n  byte-identical without -v\n' +
        'If your step cannot be done without breaking one, call escalate instead of breaking it.\n\n## Your step\ngreet.js takes -v.',
    );
    expect(stepPrompt({ ...input, plan: { ...plan, constraints: [] } })).toContain('A flag.\n\n## Your step\n');
    const planner = plannerPrompt({ run: 'r-1a2b3c', runbook, repo: 'app', baseCommit: 'abc123', params: { feature: 'x' }, accepted: [] });
    expect(planner).toContain('constraints: rules every step must keep');
  });

  it('adds the learnings accepted on this host that the runbook does not have yet, each once, under their own heading', () => {
    const accepted = [
      { appliesTo: 'runbook' as const, text: 'Run the linter before the tests', run: 'r-000001' },
      { appliesTo: 'runbook' as const, text: 'Keep steps under 200 lines.', run: 'r-000003' },
      { appliesTo: 'repo' as const, text: 'Keep steps under 200 lines.', run: 'r-000004' },
      { appliesTo: 'repo' as const, text: 'Tests live in test/.', run: 'r-000004' },
    ];
    const section = learningsSection(runbook, accepted).join('\n');
    expect(section).toBe(
      [
        '',
        '## Learnings from earlier runs',
        '',
        '### In the runbook add-feature',
        '- Run the linter before the tests (run r-000001).',
        '',
        '### Accepted on this host after earlier runs of this runbook and repository',
        '- [runbook] Keep steps under 200 lines. (run r-000003)',
        '- [repo] Tests live in test/. (run r-000004)',
      ].join('\n'),
    );
    const bare = parseRunbook(readFileSync(file, 'utf8').replace(/## Learnings[\s\S]*$/, ''), 'runbooks/add-feature.md', 'built-in');
    expect(learningsSection(bare, [])).toEqual([]);
    expect(learningsSection(bare, accepted.slice(3))).toEqual(['', '## Learnings from earlier runs', '', '### Accepted on this host after earlier runs of this runbook and repository', '- [repo] Tests live in test/. (run r-000004)']);
  });

  it('keeps the retrospective role out of the roles steps may have', () => {
    const withRetro = parseRunbook(learnt.replace('  tester:\n', '  retrospective:\n    instructions: Look back.\n  tester:\n'), 'runbooks/add-feature.md', 'built-in');
    expect(stepRoles(withRetro)).toEqual(['implementer', 'tester']);
  });
});

describe('stepAgentName', () => {
  it('makes a plain agent name of any step id, within the 40 characters agent names have', () => {
    expect(stepAgentName('r-1a2b3c', 'Add OAuth: PKCE flow!', 0)).toBe('r-1a2b3c-add-oauth-pkce-flow');
    expect(stepAgentName('r-1a2b3c', '***', 4)).toBe('r-1a2b3c-s5');
    expect(stepAgentName('r-1a2b3c', 'x'.repeat(64), 0)).toHaveLength(39);
  });
});
