import { z } from 'zod';
import { AgentName, TokenUsage } from './agents';
import { RunLearning } from './learnings';
import { PlanVersionInfo, RunInfo, RunPrompt } from './runs';

/** A checkpoint or escalation of a run as it is kept for the record: what was asked, and who decided what. */
export const RunRecordItem = z.object({
  id: z.string(),
  kind: z.enum(['checkpoint', 'escalation']),
  /** Why it was raised: agent-checkpoint, step, phase, final, merge-conflict, agent-ended, uncommitted, … */
  origin: z.string(),
  step: z.string().nullable(),
  phase: z.string().nullable(),
  agent: AgentName.nullable(),
  summary: z.string(),
  status: z.enum(['open', 'approved', 'rejected', 'answered', 'dropped']),
  /** The feedback of a rejection, the note of an approval, the resolution chosen for an escalation. */
  decision: z.string().nullable(),
  decidedBy: z.string().nullable(),
  /** Everyone who approved (protected paths need two). */
  approvals: z.array(z.string()),
  createdAt: z.number(),
  decidedAt: z.number().nullable(),
  /** What the step's checkpoint said it tested, and the files it changed (the diff itself stays on the host). */
  testsRun: z.array(z.string()),
  files: z.array(z.object({ path: z.string(), added: z.number().int(), removed: z.number().int() })),
});
export type RunRecordItem = z.infer<typeof RunRecordItem>;

export const RunStepRecord = z.object({
  id: z.string(),
  /** What the step did: its last checkpoint's summary or its last progress report. */
  summary: z.string().nullable(),
  /** The integration head its agent started from. */
  baseCommit: z.string().nullable(),
  restarts: z.number().int().nonnegative(),
});
export type RunStepRecord = z.infer<typeof RunStepRecord>;

export const RunAgentCost = z.object({
  agent: AgentName,
  role: z.string(),
  step: z.string().nullable(),
  model: z.string().nullable(),
  usage: TokenUsage,
  /** From the host's price table; null when the model has no price there. */
  costUsd: z.number().nonnegative().nullable(),
  turns: z.number().int().nonnegative(),
});
export type RunAgentCost = z.infer<typeof RunAgentCost>;

/**
 * Everything that goes into the repository about one run (`.flightdeck/runs/<run>/`): the exact runbook text, every
 * plan version, every prompt, the decisions, what each step did and what it cost. Mirrored by the app, rendered by
 * common/context/runFiles.ts on the app (context sync) and on the host (the run's integration branch).
 */
export const RunRecord = z.object({
  run: RunInfo,
  /** The URL the host cloned the repo from (credentials removed): how a laptop's clone finds the runs that are its own. */
  repoUrl: z.string(),
  runbookText: z.string(),
  plans: z.array(PlanVersionInfo),
  prompts: z.array(RunPrompt),
  steps: z.array(RunStepRecord),
  items: z.array(RunRecordItem),
  agents: z.array(RunAgentCost),
  /** What people accepted of its retrospectives; absent in what older hosts and mirrors sent. */
  learnings: z.array(RunLearning).default([]),
});
export type RunRecord = z.infer<typeof RunRecord>;
