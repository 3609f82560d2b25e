import { stepRoleNames } from '../../common/plan/planRules';
import type { LearningAppliesTo } from '../../common/protocol/learnings';
import type { Plan } from '../../common/protocol/plan';
import type { Runbook } from '../runbooks/parseRunbook';

export type RunParams = Record<string, string | number | boolean>;

/** A learning people accepted on this host (learningStore.ts), as prompts show it. */
export interface AcceptedLearning {
  appliesTo: LearningAppliesTo;
  text: string;
  run: string;
}

/** The roles a plan may give its steps. */
export function stepRoles(runbook: Runbook): string[] {
  return stepRoleNames(Object.keys(runbook.frontMatter.roles));
}

/**
 * What earlier runs taught, for every agent of a run: the runbook's own `## Learnings`, then what people accepted on
 * this host for this runbook and this repo that the runbook does not say yet (once each). Empty when there is none.
 */
export function learningsSection(runbook: Runbook, accepted: readonly AcceptedLearning[]): string[] {
  const own = runbook.info.learnings.trim();
  const seen = new Set<string>();
  const extra = accepted.filter((learning) => {
    const known = seen.has(learning.text) || own.includes(learning.text);
    seen.add(learning.text);
    return !known;
  });
  if (!own && extra.length === 0) return [];
  return [
    '',
    '## Learnings from earlier runs',
    ...(own ? ['', `### In the runbook ${runbook.info.name}`, own] : []),
    ...(extra.length > 0
      ? ['', '### Accepted on this host after earlier runs of this runbook and repository', ...extra.map((learning) => `- [${learning.appliesTo}] ${learning.text} (run ${learning.run})`)]
      : []),
  ];
}

/** `{{name}}` in a role's instructions becomes the parameter's value; other braces are left as written. */
export function fillParams(text: string, params: RunParams): string {
  return text.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

function paramLines(params: RunParams): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? '(none)' : entries.map(([name, value]) => `- ${name} = ${String(value)}`).join('\n');
}

/** The runbook's guidance without its Learnings section (that one is given on its own, under its own heading). */
export function guidance(body: string): string {
  return body.replace(/^## Learnings[ \t]*\r?\n[\s\S]*?(?=^## |(?![\s\S]))/m, '').trim();
}

/** The planner's task: its role, the runbook's guidance and learnings, the parameters, and the submit_plan contract. */
export function plannerPrompt(input: { run: string; runbook: Runbook; repo: string; baseCommit: string; params: RunParams; accepted: readonly AcceptedLearning[] }): string {
  const { runbook, params } = input;
  const roles = stepRoles(runbook);
  return [
    `You are the planner of run ${input.run}: runbook ${runbook.info.name} ${runbook.info.version} on repository ${input.repo} at commit ${input.baseCommit}.`,
    'Your working directory is that commit, read-only: analyse it, change nothing.',
    '',
    '## Parameters',
    paramLines(params),
    '',
    '## Your role',
    fillParams(runbook.frontMatter.roles.planner!.instructions.trim(), params),
    '',
    '## Runbook guidance',
    fillParams(guidance(runbook.body), params),
    ...learningsSection(runbook, input.accepted),
    '',
    '## Submitting the plan',
    'Call submit_plan with the whole plan: title, summary, analysis {touchpoints, dependencies, risks}, phases (each with id, title,',
    'estimate_hours and steps, each step with id, title, description, role, depends_on and checkpoint), impact {components,',
    'breaking_changes, testing}, rollback, questions and, if any, constraints: rules every step must keep (each step agent is',
    'told them; the reviewer may add more).',
    `Assign each step to one of these roles: ${roles.join(', ')}. Steps that do not depend on each other run in parallel; a step may depend`,
    'only on steps of its own or earlier phases, and never in a cycle.',
    'If the tool answers with problems, fix them and call submit_plan again. If the reviewer asks for changes, revise the plan and',
    'submit it again. Once it is approved, your work is done: stop.',
  ].join('\n');
}

export interface StepPromptInput {
  run: string;
  runbook: Runbook;
  plan: Plan;
  phase: { id: string; title: string };
  step: Plan['phases'][number]['steps'][number];
  params: RunParams;
  branch: string;
  baseCommit: string;
  /** The steps this one depends on, merged into its starting point, with what they did. */
  upstream: { id: string; title: string; summary: string | null }[];
  accepted: readonly AcceptedLearning[];
}

/** The plan's constraints, for every step agent (none when the plan has none). */
function constraintsSection(constraints: readonly string[]): string[] {
  if (constraints.length === 0) return [];
  return [
    '## Constraints (keep every one)',
    ...constraints.map((constraint) => `- ${constraint.trim().split('\n').join('\n  ')}`),
    'If your step cannot be done without breaking one, call escalate instead of breaking it.',
    '',
  ];
}

/** A step agent's task: its step, its role, the runbook's guidance, what upstream steps did, and how to finish. */
export function stepPrompt(input: StepPromptInput): string {
  const { runbook, step, params } = input;
  const role = runbook.frontMatter.roles[step.role]!;
  return [
    `You are the ${step.role} of step "${step.id}" (${step.title}) in run ${input.run}: runbook ${runbook.info.name} ${runbook.info.version},`,
    `phase "${input.phase.title}". Your worktree is on branch ${input.branch}, started from the run's integration branch at ${input.baseCommit}.`,
    '',
    `## The plan: ${input.plan.title}`,
    input.plan.summary,
    '',
    ...constraintsSection(input.plan.constraints ?? []),
    '## Your step',
    step.description,
    '',
    '## Parameters',
    paramLines(params),
    '',
    `## Your role (${step.role})`,
    fillParams(role.instructions.trim(), params),
    '',
    '## Runbook guidance',
    fillParams(guidance(runbook.body), params),
    ...learningsSection(runbook, input.accepted),
    ...(input.upstream.length > 0
      ? ['', '## Done before you (already in your starting point)', ...input.upstream.map((up) => `- ${up.id} (${up.title}): ${up.summary ?? 'no summary'}`)]
      : []),
    '',
    '## Finishing',
    'Commit your work on your branch with clear messages; uncommitted changes are not merged.',
    ...(step.checkpoint ? ['When the step is done and tested, call checkpoint with a summary and the tests you ran, and wait for the review.'] : []),
    'Then end your turn: the coordinator merges your branch into the integration branch. If you are blocked, call escalate.',
  ].join('\n');
}
