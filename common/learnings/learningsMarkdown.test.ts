import { describe, expect, it } from 'vitest';
import { learningsMarkdown, LearningsListError, parseLearningsMarkdown } from './learningsMarkdown';

const ABOUT = { run: 'r-abc123', round: 1, runbook: 'add-feature' };

function problemsOf(text: string): string[] {
  try {
    parseLearningsMarkdown(text);
  } catch (error) {
    if (error instanceof LearningsListError) return error.problems;
    throw error;
  }
  throw new Error('expected problems');
}

describe('learnings as an editable Markdown list', () => {
  it('renders one bullet per learning with its evidence in a comment, and reads back what it rendered', () => {
    const markdown = learningsMarkdown(
      [
        { text: 'Run the linter\nbefore the checkpoint.', applies_to: 'runbook', evidence: 'ck-1 was rejected: "lint fails" --> twice' },
        { text: 'Tests live in test/, not beside the code.', applies_to: 'repo' },
      ],
      ABOUT,
    );
    expect(markdown).toContain('- [runbook] Run the linter before the checkpoint.\n  <!-- evidence: ck-1 was rejected: "lint fails" -> twice -->\n');
    expect(markdown).toContain('- [repo] Tests live in test/, not beside the code.\n');
    expect(markdown).toMatch(/^<!-- Learnings proposed by the retrospective of run r-abc123 \(round 1\) for runbook add-feature\./);
    expect(parseLearningsMarkdown(markdown)).toEqual([
      { applies_to: 'runbook', text: 'Run the linter before the checkpoint.' },
      { applies_to: 'repo', text: 'Tests live in test/, not beside the code.' },
    ]);
  });

  it('takes edits: indented lines go on with their bullet, * bullets count, blank lines and comments are ignored', () => {
    const edited = '<!-- mine -->\n\n* [repo]   Use pnpm,\n    never npm.\n<!-- a comment\nover lines -->\n- [runbook] Keep steps small.\n';
    expect(parseLearningsMarkdown(edited)).toEqual([
      { applies_to: 'repo', text: 'Use pnpm, never npm.' },
      { applies_to: 'runbook', text: 'Keep steps small.' },
    ]);
  });

  it('reads an empty list (every bullet removed) as nothing accepted', () => {
    expect(parseLearningsMarkdown('<!-- header -->\n\n')).toEqual([]);
    expect(parseLearningsMarkdown('')).toEqual([]);
  });

  it('names the line of every problem, and uses nothing of a list that has one', () => {
    const text = ['- [runbook] Fine.', '- Untagged learning', '- [team] Wrong target', 'A stray line', '- [repo]', '- [repo] ok <!-- open'].join('\n');
    expect(problemsOf(text)).toEqual([
      'line 2: a learning starts with [runbook] or [repo]: "- Untagged learning"',
      'line 3: [team] is neither [runbook] nor [repo]',
      'line 4: not a learning: each is a bullet "- [runbook] text" or "- [repo] text"',
      'line 5: the learning has no text',
      'line 6: a comment <!-- that never ends with -->',
    ]);
  });

  it('refuses a learning that is too long, and more than 20 at once', () => {
    expect(problemsOf(`- [repo] ${'x'.repeat(2001)}`)).toEqual(['line 1: the learning is longer than 2000 characters']);
    const many = Array.from({ length: 21 }, (_, index) => `- [repo] learning ${index}`).join('\n');
    expect(problemsOf(many)).toEqual(['21 learnings: at most 20 are accepted at once']);
  });
});
