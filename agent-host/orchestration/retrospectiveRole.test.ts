import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../runbooks/parseRunbook';
import { DEFAULT_RETROSPECTIVE_INSTRUCTIONS, retrospectiveRole } from './retrospectiveRole';

const text = readFileSync(join(resolve(import.meta.dirname, '../../runbooks'), 'add-feature.md'), 'utf8');

describe('retrospectiveRole', () => {
  it("takes the planner's profile and model with the built-in instructions when the runbook declares no retrospective", () => {
    const runbook = parseRunbook(text.replace('  planner:\n', '  planner:\n    profile: claude-code\n    model: claude-opus-4\n'), 'add-feature.md', 'built-in');
    expect(retrospectiveRole(runbook)).toEqual({ profile: 'claude-code', model: 'claude-opus-4', instructions: DEFAULT_RETROSPECTIVE_INSTRUCTIONS });
    expect(retrospectiveRole(parseRunbook(text, 'add-feature.md', 'built-in'))).toEqual({ profile: 'builtin', instructions: DEFAULT_RETROSPECTIVE_INSTRUCTIONS });
  });

  it("takes the runbook's own retrospective role when it has one", () => {
    const runbook = parseRunbook(text.replace('  tester:\n', '  retrospective:\n    model: claude-haiku\n    instructions: Look back at {{feature}}.\n  tester:\n'), 'add-feature.md', 'built-in');
    expect(retrospectiveRole(runbook)).toEqual({ profile: 'builtin', model: 'claude-haiku', instructions: 'Look back at {{feature}}.' });
  });
});
