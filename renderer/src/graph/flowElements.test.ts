import { describe, expect, it } from 'vitest';
import { flowEdges, flowNodes, graphShape, type StepNode } from './flowElements';
import { simpleLayout, type GraphPhase, type GraphStep } from './planGraph';

const step = (index: number): GraphStep => ({
  id: `s${index}`,
  title: `Step ${index}`,
  role: 'implementer',
  dependsOn: index > 0 ? [`s${index - 1}`] : [],
  checkpoint: false,
  state: 'pending',
  agent: null,
});
/** Three hundred steps over three phases: the size a big migration plan reaches. */
const PHASES: GraphPhase[] = [0, 1, 2].map((phase) => ({
  id: `p${phase}`,
  title: `Phase ${phase}`,
  estimateHours: 4,
  steps: Array.from({ length: 100 }, (_, index) => step(phase * 100 + index)),
}));
const LAYOUT = simpleLayout(PHASES);
const SHARED = { editing: false };

const withStep = (phases: GraphPhase[], id: string, change: Partial<GraphStep>): GraphPhase[] =>
  phases.map((phase) => ({ ...phase, steps: phase.steps.map((candidate) => (candidate.id === id ? { ...candidate, ...change } : candidate)) }));

describe('React Flow elements of a plan graph', () => {
  it('keep every unchanged step node as it was when one step changes, so only that node repaints', () => {
    const first = flowNodes(PHASES, LAYOUT, SHARED, new Map());
    expect(first.nodes).toHaveLength(303);
    const running = withStep(PHASES, 's150', { state: 'running', agent: 'r-1a2b3c-s150' });
    const second = flowNodes(running, LAYOUT, SHARED, first.steps);
    const rebuilt = second.nodes.filter((node, index) => node.type === 'step' && node !== first.nodes[index]);
    expect(rebuilt.map((node) => node.id)).toEqual(['step:s150']);
    expect((second.steps.get('step:s150') as StepNode).data.step.agent).toBe('r-1a2b3c-s150');
  });

  it('rebuild every step node when the editor opens (its nodes are buttons there)', () => {
    const first = flowNodes(PHASES, LAYOUT, SHARED, new Map());
    const editing = flowNodes(PHASES, LAYOUT, { editing: true }, first.steps);
    expect(editing.nodes.filter((node, index) => node.type === 'step' && node === first.nodes[index])).toEqual([]);
  });

  it('lay out again only for a new shape: states, titles and agents are not part of it', () => {
    const shape = graphShape(PHASES);
    expect(graphShape(withStep(PHASES, 's7', { state: 'done', title: 'Renamed', agent: 'r-1a2b3c-s7' }))).toBe(shape);
    expect(graphShape(withStep(PHASES, 's7', { dependsOn: ['s5'] }))).not.toBe(shape);
  });

  it('draw each dependency as an arrow from it to its dependent, selectable and deletable only in the editor', () => {
    const phases: GraphPhase[] = [{ id: 'p', title: 'P', estimateHours: 1, steps: [step(0), step(1), { ...step(2), dependsOn: ['s1', 'gone'] }] }];
    const read = flowEdges(phases, false, null);
    expect(read.map((edge) => [edge.id, edge.source, edge.target, edge.ariaLabel, edge.selectable])).toEqual([
      ['s0>s1', 'step:s0', 'step:s1', 's1 depends on s0', false],
      ['s1>s2', 'step:s1', 'step:s2', 's2 depends on s1', false],
    ]);
    const editing = flowEdges(phases, true, 's1>s2');
    expect(editing.map((edge) => [edge.id, edge.selectable, edge.deletable, edge.selected])).toEqual([
      ['s0>s1', true, true, false],
      ['s1>s2', true, true, true],
    ]);
  });
});
