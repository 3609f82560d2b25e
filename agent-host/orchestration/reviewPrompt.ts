import type { Plan } from '../../common/protocol/plan';
import type { ReviewComment } from '../../common/protocol/runs';
import type { Runbook } from '../runbooks/parseRunbook';
import { fillParams, guidance, learningsSection, stepRoles, type AcceptedLearning, type RunParams } from './prompts';

export interface ReworkPromptInput {
  run: string;
  runbook: Runbook;
  role: string;
  plan: Plan | null;
  params: RunParams;
  pullRequest: { number: number; url: string };
  round: number;
  comments: readonly ReviewComment[];
  branch: string;
  integrationBranch: string;
  baseCommit: string;
  /** Learnings accepted on this host for the run's runbook and repo, as every agent of a run gets them. */
  accepted: readonly AcceptedLearning[];
}

/** The role that reworks review feedback: `implementer` when the runbook has it, else its first role steps may have. */
export function reworkRole(runbook: Runbook): string {
  const roles = stepRoles(runbook);
  return roles.includes('implementer') ? 'implementer' : roles[0]!;
}

/** Where a comment is: `src/a.ts:12`, `src/a.ts` (the diff moved under it), or the conversation. */
export function commentPlace(comment: Pick<ReviewComment, 'path' | 'line'>): string {
  if (comment.path === null) return 'the conversation';
  return comment.line === null ? comment.path : `${comment.path}:${comment.line}`;
}

const KIND_NAMES: Record<ReviewComment['kind'], string> = { review: 'review', 'review-comment': 'review comment', comment: 'comment' };

/** The comments as the agent reads them: who, where, and their words quoted. */
function quoted(comments: readonly ReviewComment[]): string {
  return comments
    .map((comment) => {
      const text = comment.body.trim() === '' ? '(no text: the review requests changes)' : comment.body.trim();
      return `- ${comment.author}, ${KIND_NAMES[comment.kind]} on ${commentPlace(comment)} (${comment.url}):\n${text.replace(/^/gm, '  > ')}`;
    })
    .join('\n');
}

/** The comments of a run's pull request, one line each (who, where, which round, their words): for its retrospective. */
export function reviewEvidenceLines(feedback: readonly { comment: ReviewComment; round: number }[]): string[] {
  return feedback.map(({ comment, round }) => {
    const text = comment.body.trim().replace(/\s+/g, ' ') || '(requested changes without a comment)';
    return `${comment.author}'s ${KIND_NAMES[comment.kind]} on ${commentPlace(comment)} (round ${round}): ${text}`;
  });
}

/** A rework agent's task: the review feedback to address, what the run did, its role, and how to finish. */
export function reworkPrompt(input: ReworkPromptInput): string {
  const { runbook, params } = input;
  return [
    `You are the ${input.role} reworking run ${input.run} after review (round ${input.round}): runbook ${runbook.info.name} ${runbook.info.version},`,
    `pull request #${input.pullRequest.number} (${input.pullRequest.url}). Your worktree is on branch ${input.branch}, started from the run's`,
    `integration branch ${input.integrationBranch} at ${input.baseCommit}: everything the run did is in it.`,
    '',
    '## Review feedback to address',
    quoted(input.comments),
    ...(input.plan ? ['', `## What the run did: ${input.plan.title}`, input.plan.summary] : []),
    '',
    `## Your role (${input.role})`,
    fillParams(runbook.frontMatter.roles[input.role]!.instructions.trim(), params),
    '',
    '## Runbook guidance',
    fillParams(guidance(runbook.body), params),
    ...learningsSection(runbook, input.accepted),
    '',
    '## Finishing',
    'Address every comment. Commit your work on your branch with clear messages; uncommitted changes are not merged.',
    'Then call report_progress with one or two sentences on what you changed: the host posts them as the answer to each comment.',
    'Then end your turn: the host merges your branch into the integration branch, pushes it and answers the comments.',
    'If a comment cannot be addressed, say why in report_progress; if you are blocked, call escalate.',
  ].join('\n');
}
