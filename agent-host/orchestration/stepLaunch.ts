import type { Plan } from '../../common/protocol/plan';
import type { Runbook } from '../runbooks/parseRunbook';
import { stepPrompt, type AcceptedLearning } from './prompts';
import type { RunRecord, StepRecord } from './runStore';

type Step = Plan['phases'][number]['steps'][number];

/** An agent name for a step: `<run>-<step id as a name>` (agent names are plain: they become branches and dirs). */
export function stepAgentName(run: string, step: string, index: number): string {
  const slug = step
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30)
    .replace(/-+$/, '');
  return `${run}-${slug || `s${index + 1}`}`;
}

/**
 * What a step's agent starts as: its name (unique in the run), branch, and task — with what each step it depends on
 * did, from the run's step records, and the learnings accepted on this host.
 */
export function stepLaunch(run: RunRecord, runbook: Runbook, plan: Plan, step: Step, steps: readonly StepRecord[], head: string, accepted: readonly AcceptedLearning[]) {
  const all = plan.phases.flatMap((phase) => phase.steps.map((candidate) => ({ phase, step: candidate })));
  const index = all.findIndex((candidate) => candidate.step.id === step.id);
  const taken = new Set(steps.map((record) => record.agent));
  const slugged = stepAgentName(run.id, step.id, index);
  const name = taken.has(slugged) ? `${run.id}-s${index + 1}` : slugged;
  const upstream = step.depends_on.map((dependency) => ({
    id: dependency,
    title: all.find((candidate) => candidate.step.id === dependency)?.step.title ?? dependency,
    summary: steps.find((record) => record.step === dependency)?.summary ?? null,
  }));
  const branch = `flightdeck/${name}`;
  const phase = all[index]!.phase;
  return { name, branch, prompt: stepPrompt({ run: run.id, runbook, plan, phase, step, params: run.params, branch, baseCommit: head, upstream, accepted }) };
}
