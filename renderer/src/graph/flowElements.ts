import { MarkerType, type Edge, type Node } from '@xyflow/react';
import type { GraphLayout, GraphPhase, GraphStep } from './planGraph';

export type PhaseNode = Node<{ phase: GraphPhase }, 'phase'>;

export interface StepNodeData extends Record<string, unknown> {
  step: GraphStep;
  /** Given: the node is a button (open the step's agent; in the editor, edit the step). */
  onOpen?: (step: GraphStep) => void;
  editing: boolean;
}
export type StepNode = Node<StepNodeData, 'step'>;

/** What the layout depends on: phases, steps and dependencies — not titles, states, agents or costs. */
export function graphShape(phases: readonly GraphPhase[]): string {
  return JSON.stringify(phases.map((phase) => [phase.id, phase.steps.map((step) => [step.id, step.dependsOn])]));
}

function sameStep(a: GraphStep, b: GraphStep): boolean {
  return (
    a.id === b.id &&
    a.title === b.title &&
    a.role === b.role &&
    a.checkpoint === b.checkpoint &&
    a.state === b.state &&
    a.agent === b.agent &&
    a.dependsOn.join('\u0000') === b.dependsOn.join('\u0000')
  );
}

/**
 * React Flow's nodes for laid-out phases: a box per phase, its steps inside. A step's node is `previous`'s very object
 * when nothing of it changed, so React Flow repaints only the steps that did; `steps` is what to pass as `previous`
 * next time.
 */
export function flowNodes(
  phases: readonly GraphPhase[],
  layout: GraphLayout,
  shared: Pick<StepNodeData, 'onOpen' | 'editing'>,
  previous: ReadonlyMap<string, StepNode>,
): { nodes: Node[]; steps: Map<string, StepNode> } {
  const steps = new Map<string, StepNode>();
  const nodes = phases.flatMap((phase): Node[] => {
    const box = layout.phases.get(phase.id) ?? { x: 0, y: 0, width: 0, height: 0 };
    const group: PhaseNode = {
      id: `phase:${phase.id}`,
      type: 'phase',
      position: { x: box.x, y: box.y },
      data: { phase },
      style: { width: box.width, height: box.height },
      selectable: false,
    };
    const children = phase.steps.map((step): StepNode => {
      const id = `step:${step.id}`;
      const position = layout.steps.get(step.id) ?? { x: 0, y: 0 };
      const old = previous.get(id);
      const same =
        old?.parentId === group.id &&
        old.position.x === position.x &&
        old.position.y === position.y &&
        old.data.onOpen === shared.onOpen &&
        old.data.editing === shared.editing &&
        sameStep(old.data.step, step);
      const node: StepNode = same
        ? old
        : { id, type: 'step', parentId: group.id, extent: 'parent', position, selectable: false, deletable: false, data: { step, ...shared } };
      steps.set(id, node);
      return node;
    });
    return [group, ...children];
  });
  return { nodes, steps };
}

/** An edge per dependency (dependency → dependent); in the editor they can be focused, selected and deleted. */
export function flowEdges(phases: readonly GraphPhase[], editing: boolean, selected: string | null): Edge[] {
  const steps = new Map(phases.flatMap((phase) => phase.steps.map((step) => [step.id, step])));
  return [...steps.values()].flatMap((step) =>
    step.dependsOn
      .filter((dep) => steps.has(dep))
      .map(
        (dep): Edge => ({
          id: `${dep}>${step.id}`,
          source: `step:${dep}`,
          target: `step:${step.id}`,
          type: 'smoothstep',
          animated: step.state === 'running',
          className: steps.get(dep)?.state === 'done' ? 'edge-settled' : undefined,
          markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
          ariaLabel: `${step.id} depends on ${dep}`,
          selectable: editing,
          deletable: editing,
          focusable: editing,
          selected: editing && selected === `${dep}>${step.id}`,
        }),
      ),
  );
}
