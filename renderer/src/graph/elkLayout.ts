import type { ELK, ElkNode } from 'elkjs/lib/elk-api';
import { PHASE_HEADER, PHASE_PADDING, STEP_HEIGHT, STEP_WIDTH, type GraphLayout, type GraphPhase } from './planGraph';

const padding = `[top=${PHASE_HEADER},left=${PHASE_PADDING},bottom=${PHASE_PADDING},right=${PHASE_PADDING}]`;

/**
 * ELK's layered layout, left to right: each phase a box of its steps, edges from a step's dependencies. Consecutive
 * phases are chained too (the coordinator runs them in order), so phases read left to right even when no step of one
 * depends on the other.
 */
export async function elkLayout(elk: ELK, phases: readonly GraphPhase[]): Promise<GraphLayout> {
  const known = new Set(phases.flatMap((phase) => phase.steps.map((step) => step.id)));
  const graph: ElkNode = {
    id: 'plan',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '20',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: phases.map((phase) => ({
      id: `phase:${phase.id}`,
      layoutOptions: { 'elk.padding': padding },
      children: phase.steps.map((step) => ({ id: `step:${step.id}`, width: STEP_WIDTH, height: STEP_HEIGHT })),
    })),
    edges: [
      ...phases.flatMap((phase) =>
        phase.steps.flatMap((step) =>
          step.dependsOn.filter((dep) => known.has(dep)).map((dep) => ({ id: `dep:${dep}>${step.id}`, sources: [`step:${dep}`], targets: [`step:${step.id}`] })),
        ),
      ),
      ...phases.slice(1).map((phase, index) => ({ id: `order:${index}`, sources: [`phase:${phases[index]!.id}`], targets: [`phase:${phase.id}`] })),
    ],
  };
  const placed = await elk.layout(graph);
  const layout: GraphLayout = { phases: new Map(), steps: new Map() };
  for (const phase of placed.children ?? []) {
    layout.phases.set(phase.id.slice('phase:'.length), { x: phase.x ?? 0, y: phase.y ?? 0, width: phase.width ?? STEP_WIDTH, height: phase.height ?? STEP_HEIGHT });
    for (const step of phase.children ?? []) layout.steps.set(step.id.slice('step:'.length), { x: step.x ?? 0, y: step.y ?? 0 });
  }
  return layout;
}
