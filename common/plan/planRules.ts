import type { Plan } from '../protocol/plan';

export type PlanPhase = Plan['phases'][number];
export type PlanStep = PlanPhase['steps'][number];

/** Roles of a runbook no step may have: the planner plans, the retrospective looks back once the run is done. */
const NOT_STEP_ROLES = new Set(['planner', 'retrospective']);

/** Of a runbook's role names, the ones a plan may give its steps. */
export function stepRoleNames(roles: readonly string[]): string[] {
  return roles.filter((role) => !NOT_STEP_ROLES.has(role));
}

/** A step with the phase it belongs to. */
export interface PlacedStep {
  step: PlanStep;
  phase: PlanPhase;
}

/** Every step in document order, each with its phase and the phase's position. */
function placedSteps(plan: Plan): (PlacedStep & { phaseIndex: number })[] {
  return plan.phases.flatMap((phase, phaseIndex) => phase.steps.map((step) => ({ step, phase, phaseIndex })));
}

function list(ids: readonly string[]): string {
  return ids.map((id) => `"${id}"`).join(', ');
}

/** Ids used more than once, each with how often, in order of first use. */
function duplicates(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return new Map([...counts].filter(([, count]) => count > 1));
}

/**
 * The dependency cycles among steps, each as the ids around it with the first repeated at the end. A depth-first
 * search reports a cycle per back edge (deduplicated), so every tangle is named at least once without enumerating
 * every elementary cycle (which can be exponential).
 */
function dependencyCycles(plan: Plan): string[][] {
  const edges = new Map<string, string[]>();
  for (const { step } of placedSteps(plan)) {
    // Self-dependencies and dangling ids are problems of their own; duplicates keep the first step's edges.
    if (!edges.has(step.id)) edges.set(step.id, step.depends_on.filter((id) => id !== step.id));
  }
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'closed'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === 'open') {
        const cycle = path.slice(path.indexOf(next));
        // The same cycle found from another starting point is one problem: key it by its smallest rotation.
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const key = [...cycle.slice(start), ...cycle.slice(0, start)].join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, next]);
        }
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(id, 'closed');
  };
  for (const id of edges.keys()) if (!state.has(id)) visit(id);
  return cycles;
}

/**
 * Every way a plan breaks the rules the coordinator relies on, each a sentence naming the ids; empty when the plan is
 * valid. `roles` are the runbook's roles a step may be given to.
 */
export function planProblems(plan: Plan, roles: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [id, count] of duplicates(plan.phases.map((phase) => phase.id))) problems.push(`phase id "${id}" is used by ${count} phases`);

  const steps = placedSteps(plan);
  for (const [id, count] of duplicates(steps.map(({ step }) => step.id))) {
    const phases = [...new Set(steps.filter(({ step }) => step.id === id).map(({ phase }) => phase.id))];
    problems.push(`step id "${id}" is used by ${count} steps (in phase${phases.length > 1 ? 's' : ''} ${list(phases)})`);
  }

  const phaseOf = new Map<string, { id: string; index: number }>();
  for (const { step, phase, phaseIndex } of steps) if (!phaseOf.has(step.id)) phaseOf.set(step.id, { id: phase.id, index: phaseIndex });

  const allowed = roles.length > 0 ? `one of the runbook's roles: ${roles.join(', ')}` : 'a role of the runbook (it declares none)';
  for (const { step, phase, phaseIndex } of steps) {
    if (!roles.includes(step.role)) problems.push(`step "${step.id}" has role "${step.role}", which is not ${allowed}`);
    for (const dependency of step.depends_on) {
      const target = phaseOf.get(dependency);
      if (dependency === step.id) problems.push(`step "${step.id}" depends on itself`);
      else if (!target) problems.push(`step "${step.id}" depends on "${dependency}", which is no step of the plan`);
      else if (target.index > phaseIndex) {
        problems.push(
          `step "${step.id}" (phase "${phase.id}") depends on "${dependency}" of the later phase "${target.id}": phases run in order`,
        );
      }
    }
  }

  for (const cycle of dependencyCycles(plan)) problems.push(`dependency cycle: ${cycle.join(' → ')} (each step depends on the next)`);
  return problems;
}

/**
 * The steps in an order the coordinator can start them: each after everything it depends on, otherwise by phase then
 * position (always the earliest ready step next). Only for valid plans (planProblems empty): throws on a cycle or a
 * dangling dependency, naming the steps that could not be placed.
 */
export function stepsInOrder(plan: Plan): PlacedStep[] {
  const steps = placedSteps(plan);
  const indexOf = new Map(steps.map(({ step }, index) => [step.id, index]));
  const waitingOn = steps.map(({ step }) => new Set(step.depends_on).size);
  const dependents = steps.map((): number[] => []);
  steps.forEach(({ step }, index) => {
    for (const dependency of new Set(step.depends_on)) {
      const target = indexOf.get(dependency);
      if (target !== undefined) dependents[target]!.push(index);
    }
  });

  // Indices whose dependencies are all placed, kept sorted so the earliest in the plan goes first.
  const ready = waitingOn.flatMap((count, index) => (count === 0 ? [index] : []));
  const order: PlacedStep[] = [];
  while (ready.length > 0) {
    const index = ready.shift()!;
    order.push({ step: steps[index]!.step, phase: steps[index]!.phase });
    for (const dependent of dependents[index]!) {
      if (--waitingOn[dependent]! > 0) continue;
      const at = ready.findIndex((other) => other > dependent);
      ready.splice(at < 0 ? ready.length : at, 0, dependent);
    }
  }
  if (order.length < steps.length) {
    const placed = new Set(order.map(({ step }) => step));
    const stuck = steps.filter(({ step }) => !placed.has(step)).map(({ step }) => step.id);
    throw new Error(`cannot order the plan's steps: ${list(stuck)} wait on a cycle or a missing step (see planProblems)`);
  }
  return order;
}
