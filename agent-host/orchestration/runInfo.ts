import type { AgentInfo } from '../../common/protocol/agents';
import type { Plan } from '../../common/protocol/plan';
import type { RunInfo, StepInfo } from '../../common/protocol/runs';
import type { RunItems } from './runItems';
import type { RunRecord, RunStore } from './runStore';

/** The steps of a plan in order, each with its phase. */
export function stepsOf(plan: Plan) {
  return plan.phases.flatMap((phase) => phase.steps.map((step) => ({ phase: phase.id, step })));
}

/** A run as clients see it: its steps from the approved plan (the newest before approval) with their states. */
export function runInfo(run: RunRecord, store: RunStore, items: RunItems, agent: (name: string) => AgentInfo | undefined): RunInfo {
  const plans = store.plans(run.id);
  const approved = plans.find((plan) => plan.status === 'approved');
  const shown = approved ?? plans.at(-1);
  const states = new Map(store.steps(run.id).map((step) => [step.step, step]));
  const steps: StepInfo[] = shown
    ? stepsOf(shown.plan).map(({ phase, step }) => {
        const record = states.get(step.id);
        return {
          id: step.id,
          phase,
          title: step.title,
          role: step.role,
          dependsOn: step.depends_on,
          checkpoint: step.checkpoint,
          state: record?.state ?? 'pending',
          agent: record?.agent ?? null,
          branch: record?.branch ?? null,
        };
      })
    : [];
  const { runbookText: _text, ...info } = run;
  // Blocked is running with a person's decision in the way: an open escalation, of the coordinator or an agent.
  const escalated =
    steps.some((step) => step.state === 'blocked') ||
    items.open(run.id).some((item) => item.kind === 'escalation') ||
    steps.some((step) => step.agent !== null && agent(step.agent)?.question?.kind === 'escalate');
  const state = run.state === 'running' && escalated ? 'blocked' : run.state;
  return { ...info, state, planVersion: plans.at(-1)?.version ?? null, approvedVersion: approved?.version ?? null, steps, pullRequest: store.pullRequest(run.id) };
}
