import { describe, expect, it } from 'vitest';
import type { ReviewComment } from '../../common/protocol/runs';
import { parseRunbook } from '../runbooks/parseRunbook';
import { reviewEvidenceLines, reworkPrompt, reworkRole } from './reviewPrompt';
import { PLAN, runbookText } from './testing/forgeWorld';

const comment = (change: Partial<ReviewComment>): ReviewComment => ({
  id: 'review-comment:7',
  kind: 'review-comment',
  author: 'alice',
  body: 'Name it --verbose.\nShort flags confuse people.',
  path: 'cli.ts',
  line: 3,
  url: 'https://github.example.com/acme/app/pull/4#discussion_r7',
  createdAt: '2026-01-01T00:00:01Z',
  replyUrl: null,
  ...change,
});

const COMMENTS = [comment({}), comment({ id: 'comment:2', kind: 'comment', author: 'bob', body: 'And document it.', path: null, line: null, url: 'https://github.example.com/acme/app/pull/4#issuecomment-2' }), comment({ id: 'review:5', kind: 'review', author: 'carol', body: '', path: null, line: null })];
const runbook = parseRunbook(`${runbookText('{ open: true, rework: true }')}\n## Learnings\n- Run the linter first.\n`, 'x.md', 'repo');

describe('the rework prompt', () => {
  it('quotes every comment with who made it and where, then what the run did, the role and how to finish', () => {
    const prompt = reworkPrompt({
      run: 'r-abc123',
      runbook,
      role: reworkRole(runbook),
      plan: PLAN,
      params: {},
      pullRequest: { number: 4, url: 'https://github.example.com/acme/app/pull/4' },
      round: 2,
      comments: COMMENTS,
      branch: 'flightdeck/r-abc123-rework-2',
      integrationBranch: 'flightdeck-run/r-abc123',
      baseCommit: 'abc123',
      accepted: [{ appliesTo: 'repo', text: 'Tests live in test/.', run: 'r-000002' }],
    });
    expect(prompt).toMatch(/^You are the implementer reworking run r-abc123 after review \(round 2\)/);
    expect(prompt).toContain(
      [
        '## Review feedback to address',
        '- alice, review comment on cli.ts:3 (https://github.example.com/acme/app/pull/4#discussion_r7):',
        '  > Name it --verbose.',
        '  > Short flags confuse people.',
        '- bob, comment on the conversation (https://github.example.com/acme/app/pull/4#issuecomment-2):',
        '  > And document it.',
        '- carol, review on the conversation (https://github.example.com/acme/app/pull/4#discussion_r7):',
        '  > (no text: the review requests changes)',
      ].join('\n'),
    );
    expect(prompt).toContain('## What the run did: Greet the world\nREADME greets the world.');
    expect(prompt).toContain('## Your role (implementer)\nBuild it.');
    expect(prompt).toContain('- Run the linter first.');
    expect(prompt).toContain('- [repo] Tests live in test/. (run r-000002)');
    expect(prompt).toContain('call report_progress with one or two sentences on what you changed');
  });

  it('is done by the implementer, else the first role a step may have', () => {
    expect(reworkRole(runbook)).toBe('implementer');
    const other = parseRunbook(runbookText(null).replace('  implementer: { instructions: Build it. }', '  writer: { instructions: Write it. }'), 'x.md', 'repo');
    expect(reworkRole(other)).toBe('writer');
  });

  it("gives the retrospective one line per comment", () => {
    expect(reviewEvidenceLines(COMMENTS.map((item, index) => ({ comment: item, round: index + 1 })))).toEqual([
      "alice's review comment on cli.ts:3 (round 1): Name it --verbose. Short flags confuse people.",
      "bob's comment on the conversation (round 2): And document it.",
      "carol's review on the conversation (round 3): (requested changes without a comment)",
    ]);
  });
});
