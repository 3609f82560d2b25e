import { z } from 'zod';
import { LearningAppliesTo, MAX_LEARNING_CHARS, MAX_LEARNINGS, type LearningProposal } from '../protocol/learnings';

/** A learning as a person accepts it: where it goes and its text (one line). */
export interface EditedLearning {
  applies_to: LearningAppliesTo;
  text: string;
}

/** A learning is one line in a list and in a runbook: whitespace of any kind becomes one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Text inside an HTML comment must not end it early. */
function commentSafe(text: string): string {
  return oneLine(text).replaceAll('-->', '->');
}

/**
 * Proposed learnings as the Markdown list a person edits (`flightdeck show`, `approve --edit`): one bullet each,
 * `- [runbook] text` or `- [repo] text`, the evidence in a comment under it (comments are ignored when read back).
 */
export function learningsMarkdown(proposals: readonly LearningProposal[], about: { run: string; round: number; runbook: string }): string {
  const lines = [
    `<!-- Learnings proposed by the retrospective of run ${about.run} (round ${about.round}) for runbook ${about.runbook}.`,
    '     Edit, remove or add bullets, one learning per line: "- [runbook] text" goes into the runbook\'s ## Learnings,',
    '     "- [repo] text" into the repo\'s .flightdeck/context/learnings.md. Comments like this one are ignored. -->',
    ...proposals.flatMap((proposal) => [
      `- [${proposal.applies_to}] ${oneLine(proposal.text)}`,
      ...(proposal.evidence?.trim() ? [`  <!-- evidence: ${commentSafe(proposal.evidence)} -->`] : []),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** Every problem of an edited list, each naming its line; a list with problems is not used at all. */
export class LearningsListError extends Error {
  constructor(readonly problems: string[]) {
    super(`the edited learnings cannot be used:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
  }
}

const Edited = z.object({
  applies_to: LearningAppliesTo,
  text: z.string().min(1, 'has no text').max(MAX_LEARNING_CHARS, `is longer than ${MAX_LEARNING_CHARS} characters`),
});

/** Comments blanked out, line breaks kept, so every problem still names the line a person sees. */
function withoutComments(text: string): { text: string; unclosedAt: number | null } {
  let out = '';
  let rest = text;
  for (;;) {
    const start = rest.indexOf('<!--');
    if (start < 0) return { text: out + rest, unclosedAt: null };
    const end = rest.indexOf('-->', start + 4);
    if (end < 0) return { text: out + rest.slice(0, start), unclosedAt: (out + rest.slice(0, start)).split('\n').length };
    out += rest.slice(0, start) + rest.slice(start, end + 3).replace(/[^\n]/g, ' ');
    rest = rest.slice(end + 3);
  }
}

/**
 * An edited list read back strictly: every bullet starts with [runbook] or [repo]; an indented line goes on with the
 * bullet above it; comments and blank lines are ignored; anything else is a problem naming its line. No bullets at
 * all is an empty list (nothing accepted). Throws LearningsListError with every problem.
 */
export function parseLearningsMarkdown(text: string): EditedLearning[] {
  const { text: plain, unclosedAt } = withoutComments(text.replaceAll('\r\n', '\n'));
  const problems: string[] = [];
  const found: { line: number; applies_to: string; text: string }[] = [];
  plain.split('\n').forEach((line, index) => {
    const number = index + 1;
    if (line.trim() === '') return;
    const bullet = /^[-*+]\s+(.*)$/.exec(line);
    if (bullet) {
      const tagged = /^\[([^\]]*)\]\s*(.*)$/.exec(bullet[1]!);
      if (!tagged) problems.push(`line ${number}: a learning starts with [runbook] or [repo]: "${oneLine(line).slice(0, 80)}"`);
      found.push({ line: number, applies_to: tagged?.[1]?.trim() ?? '', text: tagged?.[2] ?? '' });
    } else if (/^\s/.test(line) && found.length > 0) {
      found.at(-1)!.text += ` ${line}`;
    } else {
      problems.push(`line ${number}: not a learning: each is a bullet "- [runbook] text" or "- [repo] text"`);
    }
  });
  if (unclosedAt !== null) problems.push(`line ${unclosedAt}: a comment <!-- that never ends with -->`);
  const learnings = found.flatMap((entry) => {
    const parsed = Edited.safeParse({ applies_to: entry.applies_to, text: oneLine(entry.text) });
    if (parsed.success) return [parsed.data];
    const tagged = !problems.some((problem) => problem.startsWith(`line ${entry.line}:`));
    if (tagged) {
      for (const issue of parsed.error.issues) {
        problems.push(issue.path[0] === 'applies_to' ? `line ${entry.line}: [${entry.applies_to}] is neither [runbook] nor [repo]` : `line ${entry.line}: the learning ${issue.message}`);
      }
    }
    return [];
  });
  if (found.length > MAX_LEARNINGS) problems.push(`${found.length} learnings: at most ${MAX_LEARNINGS} are accepted at once`);
  const lineOf = (problem: string) => Number(/^line (\d+):/.exec(problem)?.[1] ?? Infinity);
  if (problems.length > 0) throw new LearningsListError(problems.sort((a, b) => lineOf(a) - lineOf(b)));
  return learnings;
}
