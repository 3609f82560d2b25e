import { z } from 'zod';

const Id = z.string().min(1).max(64);
const Text = z.string().max(16 * 1024);
const TextList = z.array(Text).max(200);

/**
 * The plan a planner submits (submit_plan): the shape is a contract — plan.json is what gets reviewed, stored and
 * synced into the repo. Roles, cycles and dangling ids are checked where runbooks are known (orchestration).
 */
export const Plan = z.object({
  title: z.string().min(1).max(256),
  summary: Text,
  /**
   * Rules every step must keep ("no new runtime dependencies"), put by the planner or added by the reviewer; each
   * step agent is told them. Optional on input: plans written before constraints existed still parse.
   */
  constraints: TextList.default([]),
  analysis: z.object({ touchpoints: TextList, dependencies: TextList, risks: TextList }),
  phases: z
    .array(
      z.object({
        id: Id,
        title: z.string().min(1).max(256),
        estimate_hours: z.number().nonnegative(),
        steps: z
          .array(
            z.object({
              id: Id,
              title: z.string().min(1).max(256),
              description: Text,
              role: z.string().min(1).max(64),
              depends_on: z.array(Id).max(100),
              checkpoint: z.boolean(),
            }),
          )
          .min(1)
          .max(200),
      }),
    )
    .min(1)
    .max(50),
  impact: z.object({ components: TextList, breaking_changes: TextList, testing: TextList }),
  rollback: TextList,
  questions: TextList,
});
/**
 * A plan as it is written: `constraints` may be absent (older planners, hosts and mirrors); parsing fills in [], so
 * readers use `plan.constraints ?? []`.
 */
export type Plan = z.input<typeof Plan>;
