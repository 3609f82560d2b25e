import { z } from 'zod';
import { SessionId } from './session';

/** Repo and agent names: they become directory and branch names on the host, so they are kept plain. */
export const RepoName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'repo names are lower-case letters, digits, . _ and -, starting with a letter or digit')
  .refine((name) => !name.includes('..') && !name.endsWith('.lock') && !name.endsWith('.'), 'repo names may not contain .. or end in .lock or .');

export const AgentName = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'agent names are lower-case letters, digits and -, starting with a letter or digit');

export const ProfileName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'profile names are lower-case letters, digits, _ and -');

/** What runs an agent: Flightdeck's own, a known third-party CLI under host hooks, or any other command. */
export const AgentKind = z.enum(['builtin', 'claude-code', 'codex', 'command']);
export type AgentKind = z.infer<typeof AgentKind>;

export const RepoInfo = z.object({
  name: RepoName,
  /** As given to repo add; the VM's own git credentials fetch it. */
  url: z.string(),
  /** The branch agents start from unless told otherwise. */
  branch: z.string(),
  createdAt: z.number(),
  fetchedAt: z.number().nullable(),
});
export type RepoInfo = z.infer<typeof RepoInfo>;

export const TokenUsage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  cacheWriteTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

export const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

/**
 * starting → working ⇄ idle, waiting-for-human while a question or gate blocks it; stopped when a human stopped it,
 * exited when its process ended on its own, interrupted when the daemon died under it. The last three resume.
 */
export const AgentStatus = z.enum(['starting', 'working', 'waiting-for-human', 'idle', 'stopped', 'exited', 'interrupted']);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** The Flightdeck tools that block until a human answers; the inbox of the orchestration work lists them. */
export const HumanRequestKind = z.enum(['ask_human', 'escalate', 'checkpoint', 'submit_plan']);
export type HumanRequestKind = z.infer<typeof HumanRequestKind>;

/** What an agent waits on: one of its Flightdeck questions, or a command the policy holds for approval. */
export const PendingKind = z.enum([...HumanRequestKind.options, 'approval']);
export type PendingKind = z.infer<typeof PendingKind>;

export const PendingQuestion = z.object({
  /** The question's id; for an approval, the approval's (what `flightdeck approve HOST/ID` takes). */
  id: z.string(),
  kind: PendingKind,
  /** One line for lists: the question, the problem, the checkpoint's summary, the plan's title. */
  text: z.string(),
  options: z.array(z.string()).optional(),
  askedAt: z.number(),
});
export type PendingQuestion = z.infer<typeof PendingQuestion>;

/**
 * How the host confines an agent, as its last launch set it up: the sandbox (enforced, or not — only where the
 * policy accepts `sandbox: best-effort`) and the egress mode. Null before the first launch.
 */
export const Confinement = z.object({
  sandbox: z.enum(['enforced', 'not-enforced']),
  egress: z.enum(['strict', 'proxy', 'off']),
  /** Why it is not enforced, in the host's words. */
  note: z.string().nullable(),
});
export type Confinement = z.infer<typeof Confinement>;

export const AgentInfo = z.object({
  name: AgentName,
  profile: ProfileName,
  kind: AgentKind,
  repo: RepoName,
  branch: z.string(),
  /** The commit the branch started at. */
  baseCommit: z.string(),
  worktree: z.string(),
  task: z.string(),
  model: z.string().nullable(),
  /** The session it runs (or last ran) in; each resume starts a new one. */
  sessionId: SessionId.nullable(),
  status: AgentStatus,
  question: PendingQuestion.nullable(),
  /** Messages from humans not yet taken by the agent. */
  queuedMessages: z.number().int().nonnegative(),
  usage: TokenUsage,
  /** From the host's price table; null when the model has no price there. */
  costUsd: z.number().nonnegative().nullable(),
  turns: z.number().int().nonnegative(),
  confinement: Confinement.nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

export const ProfileInfo = z.object({
  name: ProfileName,
  kind: AgentKind,
  /** builtin (in code) or the profiles file that declared it. */
  source: z.string(),
  model: z.string().nullable(),
  description: z.string().nullable(),
});
export type ProfileInfo = z.infer<typeof ProfileInfo>;

export const AgentEvent = z.object({
  type: z.enum(['started', 'changed', 'removed']),
  agent: AgentInfo,
});
export type AgentEvent = z.infer<typeof AgentEvent>;

/** How `agent send` reached the agent. */
export const MessageDelivery = z.enum(['answered', 'queued', 'typed']);
export type MessageDelivery = z.infer<typeof MessageDelivery>;
