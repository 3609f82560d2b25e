import type { RunState, StepState } from '../../../../common/protocol/runs';

/** A glyph and a word with every colour: the state reads without colour too. */
const STEP: Record<StepState, [string, string]> = {
  pending: ['○', 'pending'],
  ready: ['◇', 'ready'],
  running: ['▸', 'running'],
  waiting: ['?', 'waiting on you'],
  checkpoint: ['‖', 'checkpoint'],
  done: ['✓', 'done'],
  failed: ['✕', 'failed'],
  blocked: ['!', 'blocked'],
};

const RUN: Record<RunState, [string, string]> = {
  planning: ['◇', 'planning'],
  'awaiting-approval': ['?', 'plan to review'],
  running: ['▸', 'running'],
  paused: ['‖', 'paused'],
  blocked: ['!', 'blocked'],
  done: ['✓', 'done'],
  failed: ['✕', 'failed'],
  cancelled: ['–', 'cancelled'],
};

export function StepStateBadge({ state }: { state: StepState }) {
  const [glyph, label] = STEP[state];
  return (
    <span className={`state state-${state}`} data-state={state}>
      <span aria-hidden="true">{glyph}</span> {label}
    </span>
  );
}

export function RunStateBadge({ state }: { state: RunState }) {
  const [glyph, label] = RUN[state];
  return (
    <span className={`state run-state-${state}`} data-state={state}>
      <span aria-hidden="true">{glyph}</span> {label}
    </span>
  );
}
