import '@xyflow/react/dist/style.css';
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, useReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import ELK, { type ELK as ElkEngine } from 'elkjs/lib/elk-api.js';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { useEffect, useMemo, useRef, useState } from 'react';
import { StepStateBadge } from '../components/runs/StateBadge';
import { elkLayout } from './elkLayout';
import { simpleLayout, type GraphLayout, type GraphPhase, type GraphStep } from './planGraph';

/** Above this many steps only what is on screen is rendered: hundreds of steps stay smooth to pan. */
const VIRTUALIZE_ABOVE = 80;
/** A worker that never answers (one the window may not start, say) must not leave the graph blank. */
const ELK_PATIENCE_MS = 8000;

let engine: ElkEngine | null | undefined;
/** One ELK, in a Web Worker so a big layout never blocks the page; null where no Worker can start. */
function elk(): ElkEngine | null {
  if (engine === undefined) {
    try {
      engine = new ELK({ workerUrl: elkWorkerUrl });
    } catch {
      engine = null;
    }
  }
  return engine;
}

type PhaseNode = Node<{ phase: GraphPhase }, 'phase'>;
type StepNode = Node<{ step: GraphStep; onOpen?: (step: GraphStep) => void }, 'step'>;

function PhaseBox({ data }: NodeProps<PhaseNode>) {
  const { phase } = data;
  return (
    <div className="phase-box" data-phase={phase.id}>
      <span className="phase-box-title">{phase.title}</span>
      {phase.estimateHours !== null && <span className="phase-box-estimate">≈ {phase.estimateHours} h</span>}
    </div>
  );
}

function StepBox({ data }: NodeProps<StepNode>) {
  const { step, onOpen } = data;
  const body = (
    <>
      <span className="step-node-head">
        <code className="step-node-id">{step.id}</code>
        {step.checkpoint && <span className="step-node-flag">review</span>}
        {step.state && <StepStateBadge state={step.state} />}
      </span>
      <span className="step-node-title">{step.title}</span>
      <span className="step-node-agent">{step.agent ? `◆ ${step.agent}` : step.role}</span>
    </>
  );
  return (
    <div className={`step-node step-node-${step.state ?? 'planned'}`} data-step={step.id} data-state={step.state ?? 'planned'}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      {step.agent && onOpen ? (
        <button type="button" className="step-node-body nodrag" onClick={() => onOpen(step)} title={`Open the terminal of ${step.agent}`}>
          {body}
        </button>
      ) : (
        <div className="step-node-body">{body}</div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const NODE_TYPES = { phase: PhaseBox, step: StepBox };
const FIT = { padding: 0.12, maxZoom: 1 };

/** The whole plan stays in view when the frame changes size (terminals opened beside it, a window resized). */
function FitOnResize({ frame }: { frame: HTMLElement | null }) {
  const { fitView } = useReactFlow();
  useEffect(() => {
    if (!frame) return;
    let pending = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => void fitView(FIT));
    });
    observer.observe(frame);
    return () => {
      cancelAnimationFrame(pending);
      observer.disconnect();
    };
  }, [frame, fitView]);
  return null;
}

function toNodes(phases: readonly GraphPhase[], layout: GraphLayout, onOpen?: (step: GraphStep) => void): Node[] {
  return phases.flatMap((phase): Node[] => {
    const box = layout.phases.get(phase.id) ?? { x: 0, y: 0, width: 0, height: 0 };
    const group: PhaseNode = {
      id: `phase:${phase.id}`,
      type: 'phase',
      position: { x: box.x, y: box.y },
      data: { phase },
      style: { width: box.width, height: box.height },
      selectable: false,
    };
    const steps = phase.steps.map(
      (step): StepNode => ({
        id: `step:${step.id}`,
        type: 'step',
        parentId: group.id,
        extent: 'parent',
        position: layout.steps.get(step.id) ?? { x: 0, y: 0 },
        data: { step, onOpen },
      }),
    );
    return [group, ...steps];
  });
}

function toEdges(phases: readonly GraphPhase[]): Edge[] {
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
        }),
      ),
  );
}

interface Props {
  phases: readonly GraphPhase[];
  /** Given: a step with an agent opens that agent's terminal. */
  onOpenStep?: (step: GraphStep) => void;
  label: string;
}

/**
 * A plan as a DAG: phases left to right, each step with its state and agent. The layout depends on the plan's shape
 * only, so live state changes repaint nodes where they are: nothing moves under the reader's eyes.
 */
export default function PlanGraph({ phases, onOpenStep, label }: Props) {
  const shape = useMemo(() => JSON.stringify(phases.map((phase) => [phase.id, phase.steps.map((step) => [step.id, step.dependsOn])])), [phases]);
  const [laidOut, setLaidOut] = useState<{ shape: string; layout: GraphLayout } | null>(null);
  // Laid out again only when the shape changes: phases of the same shape differ in states alone.
  const latest = useRef(phases);
  latest.current = phases;
  useEffect(() => {
    let current = true;
    const engine = elk();
    const shown = latest.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<GraphLayout>((resolve) => (timer = setTimeout(() => resolve(simpleLayout(shown)), ELK_PATIENCE_MS)));
    const layout = engine ? Promise.race([elkLayout(engine, shown).catch(() => simpleLayout(shown)), late]) : Promise.resolve(simpleLayout(shown));
    void layout.then((done) => {
      clearTimeout(timer);
      if (current) setLaidOut({ shape, layout: done });
    });
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [shape]);
  const layout = laidOut?.shape === shape ? laidOut.layout : null;
  const nodes = useMemo(() => (layout ? toNodes(phases, layout, onOpenStep) : []), [phases, layout, onOpenStep]);
  const edges = useMemo(() => toEdges(phases), [phases]);
  const stepCount = phases.reduce((sum, phase) => sum + phase.steps.length, 0);
  const [frame, setFrame] = useState<HTMLDivElement | null>(null);
  return (
    <div className="plan-graph" ref={setFrame} role="figure" aria-label={label} data-testid="plan-graph" data-laid-out={layout ? 'true' : 'false'}>
      {layout ? (
        <ReactFlow
          key={shape}
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          colorMode="dark"
          fitView
          fitViewOptions={FIT}
          minZoom={0.15}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          onlyRenderVisibleElements={stepCount > VIRTUALIZE_ABOVE}
        >
          <Background gap={24} size={1} />
          <Controls showInteractive={false} />
          <FitOnResize frame={frame} />
        </ReactFlow>
      ) : (
        <p className="graph-pending">Laying out {stepCount} steps…</p>
      )}
    </div>
  );
}
