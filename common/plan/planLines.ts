import type { Plan } from '../protocol/plan';
import { formatHours } from './planMarkdown';

/** Text that may span lines, each line under its label (continuations indented), so a line diff stays per field. */
function field(indent: string, label: string, text: string): string[] {
  const [first = '', ...rest] = text.trim().split('\n');
  return [`${indent}${label}: ${first}`, ...rest.map((line) => `${indent}  ${line}`)];
}

function list(label: string, items: readonly string[]): string[] {
  return items.flatMap((item) => field('', label, item));
}

/**
 * A plan as one line per field, in the order it reads: what two versions are compared on side by side. A field
 * names what it is (`step flag title: …`), so a changed value is a changed line and nothing else moves.
 */
export function planLines(plan: Plan): string[] {
  return [
    ...field('', 'title', plan.title),
    ...field('', 'summary', plan.summary),
    ...list('constraint', plan.constraints ?? []),
    ...list('touchpoint', plan.analysis.touchpoints),
    ...list('dependency', plan.analysis.dependencies),
    ...list('risk', plan.analysis.risks),
    ...plan.phases.flatMap((phase) => [
      `phase ${phase.id}: ${phase.title} (≈ ${formatHours(phase.estimate_hours)} h)`,
      ...phase.steps.flatMap((step) => [
        `  step ${step.id}: ${step.title}`,
        `    role: ${step.role}`,
        `    depends on: ${step.depends_on.length > 0 ? step.depends_on.join(', ') : '–'}`,
        `    checkpoint: ${step.checkpoint ? 'yes' : 'no'}`,
        ...field('    ', 'description', step.description),
      ]),
    ]),
    ...list('component', plan.impact.components),
    ...list('breaking change', plan.impact.breaking_changes),
    ...list('testing', plan.impact.testing),
    ...list('rollback', plan.rollback),
    ...list('question', plan.questions),
  ];
}
