import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WireErrorCode } from '../../common/wire/errors';
import { parseRunbook, RunbookError } from './parseRunbook';

const SHIPPED_DIR = join(import.meta.dirname, '..', '..', 'runbooks');
const SHIPPED = readdirSync(SHIPPED_DIR).filter((name) => name.endsWith('.md'));

const MINIMAL = `---
name: tidy
version: "1.0"
description: Tidy things up.
roles:
  planner:
    instructions: Plan it.
  implementer:
    profile: claude-code
    model: opus
    instructions: Do it.
---

# Tidy

Be careful.
`;

/** The RunbookError parsing text throws (fails the test when it parses). */
function errorOf(text: string, file = 'runbooks/x.md'): RunbookError {
  try {
    parseRunbook(text, file, 'repo');
  } catch (error) {
    if (error instanceof RunbookError) return error;
    throw error;
  }
  throw new Error('expected a RunbookError, the runbook parsed');
}

/** A runbook whose front matter is these lines: lines[i] is the file's line i + 2. */
function withFrontMatter(lines: string[]): string {
  return `---\n${lines.join('\n')}\n---\n\nGuidance.\n`;
}

const VALID_ROLES = ['roles:', '  planner:', '    instructions: Plan.', '  implementer:', '    instructions: Do.'];

describe('the shipped runbooks', () => {
  it('are there: at least migrate-api, add-feature, fix-failing-tests and security-patch', () => {
    expect(SHIPPED).toEqual(expect.arrayContaining(['migrate-api.md', 'add-feature.md', 'fix-failing-tests.md', 'security-patch.md']));
  });

  it.each(SHIPPED)('%s parses, is named after its file and tells the planner to submit a plan with its own roles', (name) => {
    const text = readFileSync(join(SHIPPED_DIR, name), 'utf8');
    const runbook = parseRunbook(text, `runbooks/${name}`, 'built-in');
    expect(runbook.info.name).toBe(name.replace(/\.md$/, ''));
    expect(runbook.info.source).toBe('built-in');
    expect(runbook.hash).toBe(createHash('sha256').update(readFileSync(join(SHIPPED_DIR, name))).digest('hex'));
    expect(runbook.info.hash).toBe(runbook.hash);
    expect(text.split('\n').length).toBeGreaterThanOrEqual(60);
    expect(text.split('\n').length).toBeLessThanOrEqual(150);
    expect(text).toMatch(/^## Learnings$/m);
    const planner = runbook.frontMatter.roles.planner!.instructions;
    expect(planner).toContain('submit_plan');
    const workers = Object.keys(runbook.frontMatter.roles).filter((role) => role !== 'planner');
    for (const role of workers) expect(planner).toContain(role);
  });
});

describe('parseRunbook', () => {
  it('applies the defaults and shapes the info', () => {
    const runbook = parseRunbook(MINIMAL, '.flightdeck/runbooks/tidy.md', 'repo');
    expect(runbook.info).toEqual({
      name: 'tidy',
      version: '1.0',
      description: 'Tidy things up.',
      source: 'repo',
      file: '.flightdeck/runbooks/tidy.md',
      hash: createHash('sha256').update(MINIMAL).digest('hex'),
      parameters: {},
      roles: { planner: { profile: 'builtin', model: null }, implementer: { profile: 'claude-code', model: 'opus' } },
      checkpoints: { after_plan: true, after_each_phase: true, before_merge: false },
      limits: { parallel: 2 },
      on_agent_crash: 'escalate',
      learnings: '',
      overrides: false,
    });
    expect(runbook.body).toBe('\n# Tidy\n\nBe careful.\n');
    expect(runbook.text).toBe(MINIMAL);
  });

  it('reads parameters with their defaults', () => {
    const text = withFrontMatter([
      'name: p',
      'version: "1"',
      'description: d',
      'parameters:',
      '  level: { type: enum, values: [low, high], default: low }',
      '  count: { type: integer, default: 3 }',
      '  dry_run: { type: boolean, required: true }',
      ...VALID_ROLES,
    ]);
    expect(parseRunbook(text, 'p.md', 'repo').info.parameters).toEqual({
      level: { type: 'enum', values: ['low', 'high'], default: 'low', required: false },
      count: { type: 'integer', default: 3, required: false },
      dry_run: { type: 'boolean', required: true },
    });
  });

  it('extracts the Learnings section up to the next ## heading, ignoring headings in code blocks', () => {
    const text = `${MINIMAL}\n## Learnings\n\n- Run the linter first.\n\n\`\`\`md\n## Not a heading\n\`\`\`\n- Keep steps small.\n\n## Appendix\n\nMore.\n`;
    const runbook = parseRunbook(text, 'x.md', 'repo');
    expect(runbook.info.learnings).toBe('- Run the linter first.\n\n```md\n## Not a heading\n```\n- Keep steps small.');
  });

  it('reads CRLF files and a byte order mark', () => {
    const runbook = parseRunbook(`\uFEFF${MINIMAL.replaceAll('\n', '\r\n')}`, 'x.md', 'repo');
    expect(runbook.info.name).toBe('tidy');
    expect(runbook.frontMatter.roles.implementer!.instructions).toBe('Do it.');
  });

  it('names file, line and key of an unknown key, with the known ones', () => {
    const error = errorOf(withFrontMatter(['name: a', 'version: "1"', 'description: d', ...VALID_ROLES, '    prfile: codex']));
    expect(error.code).toBe(WireErrorCode.RunbookInvalid);
    expect(error.problems).toEqual([
      { file: 'runbooks/x.md', line: 10, key: 'roles.implementer.prfile', message: 'is not a known key (known: profile, model, instructions, policy)' },
    ]);
    expect(error.message).toBe('runbooks/x.md:10: roles.implementer.prfile: is not a known key (known: profile, model, instructions, policy)');
    expect(error.data).toEqual({ problems: error.problems });
  });

  it('names a wrong type, and says how to quote a version YAML reads as a number', () => {
    const error = errorOf(withFrontMatter(['name: a', 'version: 1.10', 'description: d', 'limits:', '  parallel: many', ...VALID_ROLES]));
    expect(error.problems).toEqual([
      { file: 'runbooks/x.md', line: 3, key: 'version', message: 'must be text: YAML reads 1.10 as a number; quote it: "1.10"' },
      { file: 'runbooks/x.md', line: 6, key: 'limits.parallel', message: 'must be a number (it is text)' },
    ]);
  });

  it('requires a planner and another role', () => {
    const missing = errorOf(withFrontMatter(['name: a', 'version: "1"', 'description: d', 'roles:', '  implementer:', '    instructions: Do.']));
    expect(missing.problems).toEqual([
      { file: 'runbooks/x.md', line: 5, key: 'roles', message: 'must have a planner role (it analyses the repo and submits the plan)' },
    ]);
    const alone = errorOf(withFrontMatter(['name: a', 'version: "1"', 'description: d', 'roles:', '  planner:', '    instructions: Plan.']));
    expect(alone.problems).toEqual([{ file: 'runbooks/x.md', line: 5, key: 'roles', message: 'needs at least one role besides planner to carry out the plan' }]);
  });

  it("names the line and key of a bad policy narrowing inside a role", () => {
    const error = errorOf(
      withFrontMatter(['name: a', 'version: "1"', 'description: d', ...VALID_ROLES, '    policy:', '      egress:', '        mode: wide', '      budget: { tokens: -1 }']),
    );
    expect(error.problems).toEqual([
      { file: 'runbooks/x.md', line: 12, key: 'roles.implementer.policy.egress.mode', message: expect.stringContaining('"strict"|"proxy"|"off"') },
      { file: 'runbooks/x.md', line: 13, key: 'roles.implementer.policy.budget.tokens', message: expect.any(String) },
    ]);
  });

  it('names the line of invalid YAML and of a key given twice', () => {
    const invalid = errorOf(withFrontMatter(['name: a', 'version: "1"', 'description: [oops', ...VALID_ROLES]));
    expect(invalid.problems).toHaveLength(1);
    expect(invalid.problems[0]).toMatchObject({ file: 'runbooks/x.md', message: expect.stringMatching(/^is not valid YAML: /) });
    expect(invalid.problems[0]!.line).toBeGreaterThanOrEqual(4);
    const twice = errorOf(withFrontMatter(['name: a', 'version: "1"', 'description: d', ...VALID_ROLES, '    instructions: Again.']));
    expect(twice.problems).toEqual([{ file: 'runbooks/x.md', line: 10, key: 'roles.implementer.instructions', message: 'is given twice' }]);
  });

  it('refuses a file without front matter, with unclosed front matter, or front matter that is not a mapping', () => {
    expect(errorOf('# Just Markdown\n').problems).toEqual([
      {
        file: 'runbooks/x.md',
        line: 1,
        key: '',
        message: 'does not start with front matter: the first line must be ---, then the YAML (name, version, …), then a line ---',
      },
    ]);
    expect(errorOf('---\nname: a\n').problems[0]).toMatchObject({ line: 1, message: 'has front matter that never ends: no line --- after the first one' });
    expect(errorOf('---\n- a\n- b\n---\nGuidance.\n').problems[0]).toMatchObject({ line: 2, key: '' });
  });

  it('requires guidance besides the Learnings section', () => {
    const text = withFrontMatter(['name: a', 'version: "1"', 'description: d', ...VALID_ROLES]).replace('Guidance.\n', '## Learnings\n\n- one\n');
    expect(errorOf(text).problems).toEqual([
      { file: 'runbooks/x.md', line: 10, key: '', message: 'has no guidance: write what the agents should know in Markdown after the front matter' },
    ]);
  });

  it('checks parameters: names, enum values, defaults of the right type, no default on a required one', () => {
    const error = errorOf(
      withFrontMatter([
        'name: a',
        'version: "1"',
        'description: d',
        'parameters:',
        '  Bad-Name: { type: string }',
        '  level: { type: enum }',
        '  count: { type: integer, default: 2.5 }',
        '  who: { type: string, required: true, default: me }',
        '  flag: { type: boolean, values: [x] }',
        ...VALID_ROLES,
      ]),
    );
    expect(error.problems.map(({ line, key, message }) => `${line} ${key}: ${message}`)).toEqual([
      '6 parameters.Bad-Name: is not allowed: parameter names are 1 to 64 lower-case letters, digits and _, not starting with a digit',
      '7 parameters.level.values: is required for an enum parameter (the allowed values)',
      "8 parameters.count.default: must be a whole number, as the parameter's type says",
      '9 parameters.who.default: makes no sense on a required parameter',
      '10 parameters.flag.values: applies only to an enum parameter, not to a boolean',
    ]);
  });

  it('collects every problem of a file into one error, ordered by line, and keeps the declared name', () => {
    const error = errorOf(
      withFrontMatter(['name: broken', 'version: "1"', 'extra: 1', 'checkpoints: { after_plan: false }', 'on_agent_crash: retry', ...VALID_ROLES]),
    );
    expect(error.runbook).toBe('broken');
    expect(error.problems.map((problem) => [problem.line, problem.key])).toEqual([
      [2, 'description'],
      [4, 'extra'],
      [5, 'checkpoints.after_plan'],
      [6, 'on_agent_crash'],
    ]);
    expect(error.problems[0]!.message).toBe('is required');
    expect(error.message.split('\n')).toHaveLength(4);
  });

  it('reads pull_request with its defaults, and names each of its problems at its line', () => {
    const base = ['name: a', 'version: "1"', 'description: d', ...VALID_ROLES];
    expect(parseRunbook(withFrontMatter(base), 'x.md', 'repo').frontMatter.pull_request).toEqual({ open: false, draft: false, rework: false });
    const shipped = parseRunbook(withFrontMatter([...base, 'pull_request: { open: true, base: release/2.x, rework: true }']), 'x.md', 'repo');
    expect(shipped.frontMatter.pull_request).toEqual({ open: true, base: 'release/2.x', draft: false, rework: true });

    const error = errorOf(withFrontMatter([...base, 'pull_request:', '  open: yes', '  base: ../main', '  draft: true', '  rework: true', '  reviewers: [ana]']));
    expect(error.problems.map(({ line, key, message }) => `${line} ${key}: ${message}`)).toEqual([
      '11 pull_request.open: must be true or false (it is text)',
      '12 pull_request.base: must be a branch name (main, release/2.x)',
      '15 pull_request.reviewers: is not a known key (known: open, base, draft, rework)',
    ]);
    expect(errorOf(withFrontMatter([...base, 'pull_request: { rework: true }'])).problems).toEqual([
      { file: 'runbooks/x.md', line: 10, key: 'pull_request.rework', message: 'needs open: true (the feedback comes from the pull request)' },
    ]);
  });

  it('names an invalid role name', () => {
    const error = errorOf(withFrontMatter(['name: a', 'version: "1"', 'description: d', ...VALID_ROLES, '  Code_Reviewer:', '    instructions: Review.']));
    expect(error.problems).toEqual([{ file: 'runbooks/x.md', line: 10, key: 'roles.Code_Reviewer', message: expect.stringMatching(/^is not allowed: role names are/) }]);
  });
});
