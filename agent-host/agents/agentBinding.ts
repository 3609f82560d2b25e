import type { HumanRequestKind } from '../../common/protocol/agents';
import type { RunToolName } from '../../common/protocol/flightdeckTools';
import type { PolicyLayer } from '../policy';

/** A blocking Flightdeck tool's answer, as the agent receives it. */
export interface AskAnswer {
  answer: string;
  by: string;
}

/**
 * What a run adds to one of its agents, asked at every launch (so a resume after a daemon restart gets it too): the
 * runbook role's policy narrowing, a read-only worktree for the planner, where its gates go, and the run tools it
 * alone is offered.
 */
export interface AgentBinding {
  /** Layers that narrow the host's and the repo's policy further (the runbook role's). */
  policyLayers: PolicyLayer[];
  /** Nothing in the worktree may be written: the sandbox mounts it read-only and the gate refuses writes. */
  readOnly: boolean;
  /**
   * A blocking tool the run handles itself (the planner's submit_plan): the answer, or null when the agent's own
   * question path applies. Throwing refuses the call; the agent gets the error as the tool's result.
   */
  ask(kind: HumanRequestKind, input: Record<string, unknown>): Promise<AskAnswer> | null;
  /**
   * The run tools offered to this agent (propose_learnings to a retrospective), each answering at once with the text
   * the agent gets, given the input its schema checked. Throwing refuses the call, as for ask.
   */
  runTools?: Partial<Record<RunToolName, (input: Record<string, unknown>) => string>>;
}

/** A run's binding of an agent, or undefined when the agent is not one of its. */
export type AgentBindings = (agent: string) => AgentBinding | undefined;
