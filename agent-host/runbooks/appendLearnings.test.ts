import { describe, expect, it } from 'vitest';
import { appendLearnings, runbookLearningLine } from './appendLearnings';
import { parseRunbook } from './parseRunbook';

const FRONT = '---\nname: demo\nversion: 1.0.0\ndescription: A demo\nroles:\n  planner: { instructions: Plan. }\n  builder: { instructions: Build. }\n---\n';
const AT = Date.UTC(2026, 2, 14, 23, 30);

describe('accepted learnings in a runbook', () => {
  it('writes one line per learning with its run, the person and the day (UTC)', () => {
    expect(runbookLearningLine({ text: 'Run the linter first.', run: 'r-abc123', acceptedBy: 'person:alice', acceptedAt: AT })).toBe(
      '- Run the linter first. (run r-abc123, accepted by alice, 2026-03-14)',
    );
  });

  it('appends at the end of the Learnings section, before the next one, after its placeholder paragraph', () => {
    const text = `${FRONT}\n# Demo\n\nGuidance.\n\n## Learnings\n\n_Appended here._\n\n## After\n\nMore.\n`;
    const updated = appendLearnings(text, ['- One. (run r-abc123, accepted by alice, 2026-03-14)', '- Two. (run r-abc123, accepted by alice, 2026-03-14)']);
    expect(updated).toBe(
      `${FRONT}\n# Demo\n\nGuidance.\n\n## Learnings\n\n_Appended here._\n\n- One. (run r-abc123, accepted by alice, 2026-03-14)\n- Two. (run r-abc123, accepted by alice, 2026-03-14)\n\n## After\n\nMore.\n`,
    );
    expect(parseRunbook(updated, 'demo.md', 'repo').info.learnings).toBe(
      '_Appended here._\n\n- One. (run r-abc123, accepted by alice, 2026-03-14)\n- Two. (run r-abc123, accepted by alice, 2026-03-14)',
    );
  });

  it('goes on with an existing list at the end of the file, and adds nothing it has already (a retried commit)', () => {
    const text = `${FRONT}\nGuidance.\n\n## Learnings\n- Old one. (run r-000001, accepted by bob, 2026-01-01)\n`;
    const line = '- New one. (run r-abc123, accepted by alice, 2026-03-14)';
    const once = appendLearnings(text, [line]);
    expect(once).toBe(`${FRONT}\nGuidance.\n\n## Learnings\n- Old one. (run r-000001, accepted by bob, 2026-01-01)\n${line}\n`);
    expect(appendLearnings(once, [line])).toBe(once);
    expect(appendLearnings(once, ['- Old one. (run r-abc123, accepted by alice, 2026-03-14)'])).toBe(once);
  });

  it('creates the section at the end when there is none; a heading inside a code block is no section', () => {
    const text = `${FRONT}\nGuidance.\n\n\`\`\`md\n## Learnings\n\`\`\`\n`;
    const updated = appendLearnings(text, ['- One. (run r-abc123, accepted by alice, 2026-03-14)']);
    expect(updated).toBe(`${FRONT}\nGuidance.\n\n\`\`\`md\n## Learnings\n\`\`\`\n\n## Learnings\n\n- One. (run r-abc123, accepted by alice, 2026-03-14)\n`);
    expect(parseRunbook(updated, 'demo.md', 'repo').info.learnings).toBe('- One. (run r-abc123, accepted by alice, 2026-03-14)');
  });
});
