import { z } from 'zod';

/** Where an accepted learning goes: the runbook's `## Learnings`, or the repo's `.flightdeck/context/learnings.md`. */
export const LearningAppliesTo = z.enum(['runbook', 'repo']);
export type LearningAppliesTo = z.infer<typeof LearningAppliesTo>;

export const MAX_LEARNING_CHARS = 2000;
export const MAX_LEARNINGS = 20;

/** One learning a retrospective proposes (propose_learnings): a contract, like the tool's other fields. */
export const LearningProposal = z.object({
  text: z.string().trim().min(1).max(MAX_LEARNING_CHARS),
  applies_to: LearningAppliesTo,
  /** What in the run taught it: a checkpoint's feedback, an escalation, a review comment. */
  evidence: z.string().max(4096).optional(),
});
export type LearningProposal = z.infer<typeof LearningProposal>;

export const ProposeLearningsInput = z.object({ learnings: z.array(LearningProposal).min(1).max(MAX_LEARNINGS) });

/** A learning a person accepted, as the run's record keeps it (`ln-<run>-<round>-<n>`). */
export const RunLearning = z.object({
  id: z.string(),
  appliesTo: LearningAppliesTo,
  text: z.string(),
  acceptedBy: z.string(),
  acceptedAt: z.number(),
  /** The retrospective round that proposed it (1 at the run's end; later rounds after review rework). */
  round: z.number().int().positive(),
});
export type RunLearning = z.infer<typeof RunLearning>;
