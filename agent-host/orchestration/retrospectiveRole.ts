import type { RunbookRole } from '../../common/protocol/runbook';
import type { Runbook } from '../runbooks/parseRunbook';

/** The runbook role a retrospective takes when the runbook declares it (roles are free-form; only planner is required). */
export const RETROSPECTIVE_ROLE = 'retrospective';

/** What a retrospective is told when its runbook has no `retrospective` role of its own. */
export const DEFAULT_RETROSPECTIVE_INSTRUCTIONS = `You look back on a finished run to find what the next run of this runbook, or any agent working in this
repository, should do differently. You only read: do not edit files, commit, or install anything.

1. Read the evidence below: plan versions a person sent back, checkpoints rejected with feedback, escalations and
   how they were resolved, review comments. Each is something a person had to correct or decide.
2. For each correction that would apply again, write one learning: a short rule, stated positively, that would have
   avoided it ("Run the linter before calling checkpoint", not "the linter failed"). Look at the code when it helps
   to make the rule precise (a path, a command, a convention).
3. Say where it belongs: "runbook" when it is about how this kind of work is done (planning, steps, checks),
   "repo" when it is about this codebase (its layout, commands, conventions) and would help any agent in it.
4. Leave out one-offs, anything the runbook's learnings already say, and anything the evidence does not support.
   Fewer, sharper learnings are better than many; none is a valid answer.

Call propose_learnings once with all of them, each with the evidence it comes from, then end your turn. If nothing
is worth keeping, say so and end your turn without calling it.`;

/** The retrospective's role: the runbook's own, else the planner's profile and model with the built-in instructions. */
export function retrospectiveRole(runbook: Runbook): RunbookRole {
  const declared = runbook.frontMatter.roles[RETROSPECTIVE_ROLE];
  if (declared) return declared;
  const planner = runbook.frontMatter.roles.planner!;
  return { profile: planner.profile, ...(planner.model ? { model: planner.model } : {}), instructions: DEFAULT_RETROSPECTIVE_INSTRUCTIONS };
}
