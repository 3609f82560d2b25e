import { z } from 'zod';

/**
 * What a run's checkpoint carries for review (agent-host orchestration: runReviews.ts and stepGit.ts), read leniently
 * from `InboxDetail.input`: a field the host leaves out reads as empty, so an older or newer host still shows.
 */
export const CheckpointFile = z.object({
  path: z.string(),
  status: z.string().optional(),
  additions: z.number().int().nonnegative().catch(0),
  deletions: z.number().int().nonnegative().catch(0),
  oldPath: z.string().optional(),
});
export type CheckpointFile = z.infer<typeof CheckpointFile>;

export const SecretFinding = z.object({
  file: z.string(),
  line: z.number().int(),
  rule: z.string(),
  description: z.string(),
  excerpt: z.string(),
});
export type SecretFinding = z.infer<typeof SecretFinding>;

export const ProtectedPath = z.object({ path: z.string(), rule: z.string() });
export type ProtectedPath = z.infer<typeof ProtectedPath>;

export const CheckpointReview = z.object({
  summary: z.string().catch(''),
  notes: z.string().optional().catch(undefined),
  tests_run: z.array(z.string()).catch([]),
  /** A phase or final checkpoint: each step of it with its state and summary. */
  steps: z.array(z.string()).catch([]),
  base: z.string().optional().catch(undefined),
  head: z.string().optional().catch(undefined),
  files: z.array(CheckpointFile).catch([]),
  diff: z.string().catch(''),
  /** The host caps the diff (2 MiB): true when this one was cut. */
  truncated: z.boolean().catch(false),
  secrets: z.array(SecretFinding).catch([]),
  protected_paths: z.array(ProtectedPath).catch([]),
});
export type CheckpointReview = z.infer<typeof CheckpointReview>;

/** Every field falls back to empty: a checkpoint without a diff is still a checkpoint to decide. */
export function checkpointReview(input: Record<string, unknown>): CheckpointReview {
  return CheckpointReview.parse(input);
}

/** Protected paths need approvals from this many different people the host knows by their bound SSH keys. */
export const PROTECTED_PATH_APPROVALS = 2;
