import '@xyflow/react/dist/style.css';
import '../planEdit.css';
import { Background, Controls, Panel, ReactFlow, useReactFlow, type Connection, type Edge, type EdgeChange, type Node } from '@xyflow/react';
import ELK, { type ELK as ElkEngine } from 'elkjs/lib/elk-api.js';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CostContext, type CostSource } from '../components/runs/RunCost';
import { elkLayout } from './elkLayout';
import { flowEdges, flowNodes, graphShape, type StepNode } from './flowElements';
import { NODE_TYPES } from './graphNodes';
import { simpleLayout, type GraphLayout, type GraphPhase, type GraphStep } from './planGraph';

/** Above this many steps only what is on screen is rendered: hundreds of steps stay smooth to pan. */
const VIRTUALIZE_ABOVE = 80;
/** A worker that never answers (one the window may not start, say) must not leave the graph blank. */
const ELK_PATIENCE_MS = 8000;
const DELETE_KEYS = ['Delete', 'Backspace'];

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

/**
 * The nodes for the phases, each step's node the very object of last time when nothing of it changed: a live update
 * of one step repaints that node, not hundreds.
 */
function useStableNodes(phases: readonly GraphPhase[], layout: GraphLayout | null, onOpen: ((step: GraphStep) => void) | undefined, editing: boolean): Node[] {
  const previous = useRef<ReadonlyMap<string, StepNode>>(new Map());
  return useMemo(() => {
    if (!layout) return [];
    const { nodes, steps } = flowNodes(phases, layout, { onOpen, editing }, previous.current);
    previous.current = steps;
    return nodes;
  }, [phases, layout, onOpen, editing]);
}

/** How the editor changes dependencies through the graph: a dragged edge from dependency to dependent, a removed edge. */
export interface DependencyEditing {
  onConnect(dependency: string, dependent: string): void;
  onDisconnect(dependency: string, dependent: string): void;
}

interface Props {
  phases: readonly GraphPhase[];
  /** Given: a step with an agent opens that agent's terminal (in the editor: any step, to edit it). */
  onOpenStep?: (step: GraphStep) => void;
  label: string;
  /** Given: the plan is being edited, its dependencies drawn and removed here. */
  edit?: DependencyEditing;
  /** Given: each step's node shows its agent's tokens and cost, live. */
  costs?: CostSource;
}

const stepId = (node: string) => node.slice('step:'.length);
const edgeEnds = (edge: string) => edge.split('>') as [dependency: string, dependent: string];

/**
 * A plan as a DAG: phases left to right, each step with its state and agent. The layout depends on the plan's shape
 * only, so live state and cost changes repaint nodes where they are: nothing moves under the reader's eyes.
 */
export default function PlanGraph({ phases, onOpenStep, label, edit, costs }: Props) {
  const shape = useMemo(() => graphShape(phases), [phases]);
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
  const editing = edit !== undefined;
  const nodes = useStableNodes(phases, layout, onOpenStep, editing);
  const [selected, setSelected] = useState<string | null>(null);
  const edges = useMemo(() => flowEdges(phases, editing, selected), [phases, editing, selected]);
  const selectedEdge = edges.find((edge) => edge.selected);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    for (const change of changes) {
      if (change.type === 'select') setSelected((current) => (change.selected ? change.id : current === change.id ? null : current));
    }
  }, []);
  const onConnect = useCallback((connection: Connection) => edit?.onConnect(stepId(connection.source), stepId(connection.target)), [edit]);
  const onEdgesDelete = useCallback((removed: Edge[]) => removed.forEach((edge) => edit?.onDisconnect(...edgeEnds(edge.id))), [edit]);
  const stepCount = phases.reduce((sum, phase) => sum + phase.steps.length, 0);
  const [frame, setFrame] = useState<HTMLDivElement | null>(null);
  return (
    <div
      className={`plan-graph${editing ? ' is-editing' : ''}`}
      ref={setFrame}
      role="figure"
      aria-label={label}
      data-testid="plan-graph"
      data-laid-out={layout ? 'true' : 'false'}
    >
      {layout ? (
        <CostContext.Provider value={costs ?? null}>
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
            nodesConnectable={editing}
            nodesFocusable={false}
            edgesFocusable={editing}
            elementsSelectable={editing}
            deleteKeyCode={editing ? DELETE_KEYS : null}
            onConnect={onConnect}
            onEdgesChange={onEdgesChange}
            onEdgesDelete={onEdgesDelete}
            onlyRenderVisibleElements={stepCount > VIRTUALIZE_ABOVE}
          >
            <Background gap={24} size={1} />
            <Controls showInteractive={false} />
            <FitOnResize frame={frame} />
            {editing && (
              <Panel position="top-left" className="graph-edit-hint">
                {selectedEdge ? (
                  <button type="button" className="danger" onClick={() => edit.onDisconnect(...edgeEnds(selectedEdge.id))}>
                    Remove: {edgeEnds(selectedEdge.id)[1]} depends on {edgeEnds(selectedEdge.id)[0]} <kbd>Del</kbd>
                  </button>
                ) : (
                  <span>Drag from a step&apos;s right dot to the step that depends on it; click an arrow to remove it.</span>
                )}
              </Panel>
            )}
          </ReactFlow>
        </CostContext.Provider>
      ) : (
        <p className="graph-pending">Laying out {stepCount} steps…</p>
      )}
    </div>
  );
}
