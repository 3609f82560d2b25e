import { z } from 'zod';
import { ProposeLearningsInput } from './learnings';
import { Plan } from './plan';

/**
 * Flightdeck's own tools, offered to the built-in agent directly and to CLI agents through the host's MCP endpoint.
 * Names and input fields are a contract. All but report_progress and propose_learnings block until a human answers.
 */
export const flightdeckTools = {
  report_progress: {
    description: 'Tell the tech lead what you are doing now, in one or two sentences. Does not wait for an answer.',
    input: z.object({ message: z.string().min(1).max(4096) }),
  },
  ask_human: {
    description: 'Ask the tech lead a question and wait for the answer. Offer options when the choice is between a few.',
    input: z.object({ question: z.string().min(1).max(16 * 1024), options: z.array(z.string().min(1).max(512)).max(20).optional() }),
  },
  escalate: {
    description: 'You are blocked or something is wrong beyond your task: describe it with context and ways out, and wait.',
    input: z.object({
      problem: z.string().min(1).max(16 * 1024),
      context: z.string().max(64 * 1024),
      suggested_resolutions: z.array(z.string().min(1).max(4096)).max(20),
    }),
  },
  checkpoint: {
    description: 'A milestone: summarise what you did (and which tests you ran) and wait for approval before going on.',
    input: z.object({
      summary: z.string().min(1).max(16 * 1024),
      tests_run: z.array(z.string().max(1024)).max(100).optional(),
      notes: z.string().max(16 * 1024).optional(),
    }),
  },
  submit_plan: {
    description: 'Submit the plan for review (title, summary, analysis, phases with steps, impact, rollback, questions) and wait.',
    input: Plan,
  },
  propose_learnings: {
    description:
      'Propose what this run taught, for a person to review: each learning a short rule for next time, for the runbook ' +
      '(how this kind of work is done) or the repo (how this codebase works), with its evidence. Returns at once; then end your turn.',
    input: ProposeLearningsInput,
  },
} as const;

export type FlightdeckToolName = keyof typeof flightdeckTools;
export const FLIGHTDECK_TOOL_NAMES = Object.keys(flightdeckTools) as FlightdeckToolName[];

export function isFlightdeckTool(name: string): name is FlightdeckToolName {
  return Object.hasOwn(flightdeckTools, name);
}

/**
 * Tools a run offers only to some of its agents (propose_learnings to its retrospective), named in their hello, and
 * answered at once by the run (agent.runTool) rather than by a person.
 */
export const RunToolName = z.enum(['propose_learnings']);
export type RunToolName = z.infer<typeof RunToolName>;

export function isRunTool(name: string): name is RunToolName {
  return RunToolName.safeParse(name).success;
}

/** The Flightdeck tools an agent is offered: every common one, and the run tools its run gives it. */
export function offeredFlightdeckTools(runTools: readonly RunToolName[]): FlightdeckToolName[] {
  return FLIGHTDECK_TOOL_NAMES.filter((name) => !isRunTool(name) || runTools.includes(name));
}
