import type { Plan } from '../../../common/protocol/plan';
import type { StepInfo, StepState } from '../../../common/protocol/runs';

/** One step as the graph draws it: the plan's words, and (once the run has it) its live state and agent. */
export interface GraphStep {
  id: string;
  title: string;
  role: string;
  dependsOn: string[];
  checkpoint: boolean;
  state: StepState | null;
  agent: string | null;
}

export interface GraphPhase {
  id: string;
  title: string;
  estimateHours: number | null;
  steps: GraphStep[];
}

/** The plan's phases and steps, each step with its state from the run when the run has it. */
export function graphFromPlan(plan: Plan, live: readonly StepInfo[] = []): GraphPhase[] {
  const byId = new Map(live.map((step) => [step.id, step]));
  return plan.phases.map((phase) => ({
    id: phase.id,
    title: phase.title,
    estimateHours: phase.estimate_hours,
    steps: phase.steps.map((step) => ({
      id: step.id,
      title: step.title,
      role: step.role,
      dependsOn: step.depends_on,
      checkpoint: step.checkpoint,
      state: byId.get(step.id)?.state ?? null,
      agent: byId.get(step.id)?.agent ?? null,
    })),
  }));
}

/** Without the plan's text (a run from an older cache): the run's own steps, grouped by their phase ids. */
export function graphFromSteps(steps: readonly StepInfo[]): GraphPhase[] {
  const phases = new Map<string, GraphPhase>();
  for (const step of steps) {
    const phase = phases.get(step.phase) ?? { id: step.phase, title: step.phase, estimateHours: null, steps: [] };
    phase.steps.push({ id: step.id, title: step.title, role: step.role, dependsOn: step.dependsOn, checkpoint: step.checkpoint, state: step.state, agent: step.agent });
    phases.set(step.phase, phase);
  }
  return [...phases.values()];
}

export const STEP_WIDTH = 232;
export const STEP_HEIGHT = 84;
/** Room above a phase's steps for its title. */
export const PHASE_HEADER = 34;
export const PHASE_PADDING = 16;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where everything goes: phases in the graph's coordinates, steps relative to their phase. */
export interface GraphLayout {
  phases: Map<string, Box>;
  steps: Map<string, { x: number; y: number }>;
}

/**
 * A plain layered layout for when ELK cannot run (no Worker): phases left to right, inside each a column per
 * dependency depth within the phase, steps stacked in plan order.
 */
export function simpleLayout(phases: readonly GraphPhase[]): GraphLayout {
  const layout: GraphLayout = { phases: new Map(), steps: new Map() };
  let x = 0;
  for (const phase of phases) {
    const local = new Map(phase.steps.map((step) => [step.id, step]));
    const depth = new Map<string, number>();
    const depthOf = (id: string, seen: Set<string>): number => {
      const known = depth.get(id);
      if (known !== undefined) return known;
      const step = local.get(id);
      if (!step || seen.has(id)) return 0;
      seen.add(id);
      const own = Math.max(-1, ...step.dependsOn.filter((dep) => local.has(dep)).map((dep) => depthOf(dep, seen))) + 1;
      depth.set(id, own);
      return own;
    };
    const rows = new Map<number, number>();
    for (const step of phase.steps) {
      const column = depthOf(step.id, new Set());
      const row = rows.get(column) ?? 0;
      rows.set(column, row + 1);
      layout.steps.set(step.id, { x: PHASE_PADDING + column * (STEP_WIDTH + 48), y: PHASE_HEADER + row * (STEP_HEIGHT + 20) });
    }
    const columns = Math.max(1, rows.size);
    const height = PHASE_HEADER + Math.max(1, ...rows.values()) * (STEP_HEIGHT + 20) - 20 + PHASE_PADDING;
    const width = PHASE_PADDING * 2 + columns * (STEP_WIDTH + 48) - 48;
    layout.phases.set(phase.id, { x, y: 0, width, height });
    x += width + 60;
  }
  return layout;
}
