import { MAX_LEARNING_CHARS, MAX_LEARNINGS } from '../../common/protocol/learnings';
import type { RunbookRole } from '../../common/protocol/runbook';
import type { Runbook } from '../runbooks/parseRunbook';
import { fillParams, guidance, learningsSection, type AcceptedLearning, type RunParams } from './prompts';

export interface RetrospectivePromptInput {
  run: string;
  round: number;
  /** Why this round runs: the run's end, review rework. */
  reason: string;
  runbook: Runbook;
  role: RunbookRole;
  repo: string;
  branch: string;
  head: string;
  params: RunParams;
  planTitle: string | null;
  evidence: readonly string[];
  accepted: readonly AcceptedLearning[];
}

/** One numbered paragraph per piece of evidence, its further lines indented under it. */
function numbered(evidence: readonly string[]): string[] {
  return evidence.map((text, index) => `${index + 1}. ${text.trim().replaceAll('\n', '\n   ')}`);
}

/**
 * A retrospective's task: its role, the run's evidence (what people corrected and decided), the learnings already
 * known (not to be proposed again), and the propose_learnings contract.
 */
export function retrospectivePrompt(input: RetrospectivePromptInput): string {
  const { runbook, params } = input;
  const learnings = learningsSection(runbook, input.accepted);
  return [
    `You are the retrospective of run ${input.run} (round ${input.round}: ${input.reason}): runbook ${runbook.info.name} ${runbook.info.version} on repository ${input.repo}.`,
    `Your working directory is the run's integration branch ${input.branch} at commit ${input.head}, read-only: read it, change nothing.`,
    ...(input.planTitle ? [`The run's approved plan: ${input.planTitle}.`] : []),
    '',
    '## Your role',
    fillParams(input.role.instructions.trim(), params),
    '',
    '## What people corrected and decided in this run',
    ...numbered(input.evidence),
    '',
    '## Runbook guidance',
    fillParams(guidance(runbook.body), params),
    ...(learnings.length > 0 ? [...learnings, '', 'These are known already: do not propose them again.'] : []),
    '',
    '## Proposing',
    `Call propose_learnings once with {learnings: [{text, applies_to, evidence}]}: 1 to ${MAX_LEARNINGS} learnings, each text one or two`,
    `sentences (at most ${MAX_LEARNING_CHARS} characters), applies_to "runbook" or "repo", evidence naming what above it comes from.`,
    'A person reviews and edits them; you get no answer to wait for. Then end your turn.',
  ].join('\n');
}
