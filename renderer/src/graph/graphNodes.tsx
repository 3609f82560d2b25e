import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { StepCost } from '../components/runs/RunCost';
import { StepStateBadge } from '../components/runs/StateBadge';
import type { PhaseNode, StepNode } from './flowElements';

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
  const { step, onOpen, editing } = data;
  const body = (
    <>
      <span className="step-node-head">
        <code className="step-node-id">{step.id}</code>
        {step.checkpoint && <span className="step-node-flag">review</span>}
        {step.state && <StepStateBadge state={step.state} />}
      </span>
      <span className="step-node-title">{step.title}</span>
      <span className="step-node-agent">
        <span className="step-node-who">{step.agent ? `◆ ${step.agent}` : step.role}</span>
        <StepCost agent={step.agent} />
      </span>
    </>
  );
  const opens = onOpen && (editing || step.agent);
  return (
    <div className={`step-node step-node-${step.state ?? 'planned'}`} data-step={step.id} data-state={step.state ?? 'planned'}>
      <Handle type="target" position={Position.Left} />
      {opens ? (
        <button
          type="button"
          className="step-node-body nodrag"
          onClick={() => onOpen(step)}
          title={editing ? `Edit step ${step.id}` : `Open the terminal of ${step.agent}`}
        >
          {body}
        </button>
      ) : (
        <div className="step-node-body">{body}</div>
      )}
      {/* Dragging from here to another step's left handle makes that step depend on this one (the editor's form does it by keyboard). */}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

/** Memoised as React Flow advises: with PlanGraph keeping unchanged nodes as they were, only a changed step repaints. */
export const NODE_TYPES = { phase: memo(PhaseBox), step: memo(StepBox) };
