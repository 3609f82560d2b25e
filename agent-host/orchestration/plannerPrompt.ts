import type { Runbook } from '../runbooks/parseRunbook';

export type RunParams = Record<string, string | number | boolean>;

/** `{{name}}` in a role's instructions becomes the parameter's value; other braces are left as written. */
export function fillParams(text: string, params: RunParams): string {
  return text.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

function paramLines(params: RunParams): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? '(none)' : entries.map(([name, value]) => `- ${name} = ${String(value)}`).join('\n');
}

/** The runbook's guidance without its Learnings section (that one is given on its own, under its own heading). */
function guidance(body: string): string {
  return body.replace(/^## Learnings[ \t]*\r?\n[\s\S]*?(?=^## |(?![\s\S]))/m, '').trim();
}

/** The planner's task: its role, the runbook's guidance and learnings, the parameters, and the submit_plan contract. */
export function plannerPrompt(input: { run: string; runbook: Runbook; repo: string; baseCommit: string; params: RunParams }): string {
  const { runbook, params } = input;
  const roles = Object.keys(runbook.frontMatter.roles).filter((role) => role !== 'planner');
  const learnings = runbook.info.learnings.trim();
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
    ...(learnings ? ['', '## Learnings from earlier runs', learnings] : []),
    '',
    '## Submitting the plan',
    'Call submit_plan with the whole plan: title, summary, analysis {touchpoints, dependencies, risks}, phases (each with id, title,',
    'estimate_hours and steps, each step with id, title, description, role, depends_on and checkpoint), impact {components,',
    'breaking_changes, testing}, rollback and questions.',
    `Assign each step to one of these roles: ${roles.join(', ')}. Steps that do not depend on each other run in parallel; a step may depend`,
    'only on steps of its own or earlier phases, and never in a cycle.',
    'If the tool answers with problems, fix them and call submit_plan again. If the reviewer asks for changes, revise the plan and',
    'submit it again. Once it is approved, your work is done: stop.',
  ].join('\n');
}
