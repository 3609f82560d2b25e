import { z } from 'zod';
import { AgentName } from './agents';

/** A command (or other action) that policy `commands.ask` holds until a person approves or rejects it. */
export const ApprovalId = z.string().regex(/^ap-[0-9a-f]{8}$/, 'an approval id like ap-1a2b3c4d');

export const ApprovalStatus = z.enum(['pending', 'approved', 'rejected', 'expired']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const ApprovalInfo = z.object({
  id: ApprovalId,
  agent: AgentName,
  /** The tool the agent called (Bash, run_command, exec_command, …) and the command line it wants to run. */
  tool: z.string(),
  command: z.string(),
  /** The policy rule that asked, e.g. `commands.ask "git push *"`, and the file and line it comes from. */
  rule: z.string(),
  source: z.string(),
  status: ApprovalStatus,
  requestedAt: z.number(),
  /** When an undecided approval counts as rejected. */
  expiresAt: z.number(),
  decidedBy: z.string().nullable(),
  decidedAt: z.number().nullable(),
  reason: z.string().nullable(),
});
export type ApprovalInfo = z.infer<typeof ApprovalInfo>;

export const ApprovalEvent = z.object({ type: z.enum(['requested', 'decided']), approval: ApprovalInfo });
export type ApprovalEvent = z.infer<typeof ApprovalEvent>;

export const AuditOutcome = z.enum(['ok', 'error', 'denied']);

/** One audit record as `audit list` shows it; `data` is the stored JSON (secrets already redacted). */
export const AuditRecordInfo = z.object({
  seq: z.number().int().positive(),
  time: z.number(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  reason: z.string().nullable(),
  outcome: z.string(),
  data: z.record(z.string(), z.unknown()),
  /** The previous record's hash: with it a client checks the chain it mirrors (common/audit/chain.ts). */
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecordInfo = z.infer<typeof AuditRecordInfo>;

export const AuditListParams = z.object({
  /** Records an agent made or that concern it (actor or target agent:NAME). */
  agent: AgentName.optional(),
  /** An action (tool.call) or a family of them (egress.*). */
  action: z
    .string()
    .max(64)
    .regex(/^[a-z][a-z0-9_.]*(\.\*)?$/, 'an action like tool.call, or a family like egress.*')
    .optional(),
  outcome: AuditOutcome.optional(),
  /** Epoch milliseconds; records at or after. */
  since: z.number().nonnegative().optional(),
  /** Records before this seq (paging backwards from the newest). */
  before: z.number().int().positive().optional(),
  /** Records after this seq, oldest first (a mirror's cursor: `more` says whether newer ones follow). */
  after: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(10_000).default(200),
});
export type AuditListParams = z.input<typeof AuditListParams>;

/** Whether the sandbox can work on this host, and why not when it cannot (host check, policy show). */
export const SandboxSupport = z.object({
  available: z.boolean(),
  /** bwrap's path and version when available; the exact reason when not. */
  detail: z.string(),
});
export type SandboxSupport = z.infer<typeof SandboxSupport>;
