import type { Plan } from '../protocol/plan';
import type { PlanStep } from './planRules';

/** Where a plan version stands, for the line under the title. */
export interface PlanMeta {
  version?: number;
  status?: string;
  author?: string;
}

/** 1.5 → "1.5", 2 → "2", 0.1 + 0.2 → "0.3": estimates read as a person would write them. */
export function formatHours(hours: number): string {
  return String(Math.round(hours * 10) / 10);
}

/** A list item whose text may span lines: continuation lines are indented under the text, so Markdown keeps them in the item. */
function item(marker: string, text: string): string {
  const indent = ' '.repeat(marker.length + 1);
  return `${marker} ${text.trim().split('\n').join(`\n${indent}`)}`;
}

function bullets(items: readonly string[]): string {
  return items.map((text) => item('-', text)).join('\n');
}

function numbered(items: readonly string[]): string {
  return items.map((text, index) => item(`${index + 1}.`, text)).join('\n');
}

/** Labelled lists (Touchpoints, Risks, …), each only when it has items; "none" when none has. */
function labelledLists(lists: [label: string, items: readonly string[]][]): string {
  const present = lists.filter(([, items]) => items.length > 0);
  if (present.length === 0) return '_none_';
  return present.map(([label, items]) => `**${label}**\n\n${bullets(items)}`).join('\n\n');
}

/** Only when there are some: a plan written before constraints existed reads as it always did. */
function constraintsSection(constraints: readonly string[]): string[] {
  return constraints.length > 0 ? ['## Constraints', `Every step keeps these:\n\n${bullets(constraints)}`] : [];
}

function stepItem(step: PlanStep): string {
  const after = step.depends_on.length > 0 ? `depends on ${step.depends_on.join(', ')}` : 'no dependencies';
  const head = `**${step.id}** ${step.title} _(${step.role}; ${after})_${step.checkpoint ? ' ✋ checkpoint' : ''}`;
  const description = step.description.trim();
  return description ? `${item('-', head)}\n\n${description.split('\n').map((line) => (line ? `  ${line}` : '')).join('\n')}` : item('-', head);
}

function header(plan: Plan, meta: PlanMeta): string {
  const hours = plan.phases.reduce((total, phase) => total + phase.estimate_hours, 0);
  const steps = plan.phases.reduce((total, phase) => total + phase.steps.length, 0);
  const parts = [
    `Estimate ≈ ${formatHours(hours)} h over ${plan.phases.length} phase${plan.phases.length === 1 ? '' : 's'} and ${steps} step${steps === 1 ? '' : 's'}`,
  ];
  if (meta.version !== undefined) parts.unshift(`Version ${meta.version}`);
  if (meta.status) parts.push(meta.status);
  if (meta.author) parts.push(`by ${meta.author}`);
  return `_${parts.join(' · ')}_`;
}

/**
 * The plan as a human-written migration plan reads: what the reviewer approves, and what is synced into the repo next
 * to plan.json. Text is taken as written (Markdown in it renders as Markdown).
 */
export function planMarkdown(plan: Plan, meta: PlanMeta = {}): string {
  const phases = plan.phases.map((phase, index) =>
    [`### Phase ${index + 1}: ${phase.title} (≈ ${formatHours(phase.estimate_hours)} h)`, phase.steps.map(stepItem).join('\n\n')].join('\n\n'),
  );
  const sections = [
    `# ${plan.title}`,
    header(plan, meta),
    plan.summary.trim(),
    ...constraintsSection(plan.constraints ?? []),
    '## Analysis',
    labelledLists([
      ['Touchpoints', plan.analysis.touchpoints],
      ['Dependencies', plan.analysis.dependencies],
      ['Risks', plan.analysis.risks],
    ]),
    '## Phases',
    ...phases,
    '## Impact',
    labelledLists([
      ['Components', plan.impact.components],
      ['Breaking changes', plan.impact.breaking_changes],
      ['Testing', plan.impact.testing],
    ]),
    '## Rollback',
    plan.rollback.length > 0 ? numbered(plan.rollback) : '_none given_',
    '## Open questions',
    plan.questions.length > 0 ? bullets(plan.questions) : '_none_',
  ];
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`;
}
