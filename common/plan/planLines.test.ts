import { describe, expect, it } from 'vitest';
import { Plan } from '../protocol/plan';
import { planLines } from './planLines';

const plan = Plan.parse({
  title: 'Greet verbosely',
  summary: 'A -v flag.\nThe README says so.',
  constraints: ['No new dependencies'],
  analysis: { touchpoints: ['greet.js'], dependencies: [], risks: [] },
  phases: [
    {
      id: 'build',
      title: 'Build',
      estimate_hours: 1.5,
      steps: [
        { id: 'flag', title: 'Add -v', description: 'greet.js takes -v.', role: 'implementer', depends_on: [], checkpoint: true },
        { id: 'docs', title: 'Document -v', description: '', role: 'implementer', depends_on: ['flag'], checkpoint: false },
      ],
    },
  ],
  impact: { components: [], breaking_changes: [], testing: ['node greet.js -v'] },
  rollback: ['Revert the merges.'],
  questions: [],
});

describe('planLines', () => {
  it('puts one field on a line, labelled, multi-line text indented under its label', () => {
    expect(planLines(plan)).toEqual([
      'title: Greet verbosely',
      'summary: A -v flag.',
      '  The README says so.',
      'constraint: No new dependencies',
      'touchpoint: greet.js',
      'phase build: Build (≈ 1.5 h)',
      '  step flag: Add -v',
      '    role: implementer',
      '    depends on: –',
      '    checkpoint: yes',
      '    description: greet.js takes -v.',
      '  step docs: Document -v',
      '    role: implementer',
      '    depends on: flag',
      '    checkpoint: no',
      '    description: ',
      'testing: node greet.js -v',
      'rollback: Revert the merges.',
    ]);
  });
});
