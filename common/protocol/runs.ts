import { z } from 'zod';
import { AgentName, PendingKind, RepoName } from './agents';
import { ApprovalInfo } from './governance';
import { LearningProposal } from './learnings';
import { Plan } from './plan';
import { RunbookInfo, RunbookName } from './runbook';

export const RunId = z.string().regex(/^r-[0-9a-f]{6,16}$/, 'a run id looks like r-1a2b3c');
export type RunId = z.infer<typeof RunId>;

/** The states of a run, a contract (docs/orchestration.md). */
export const RunState = z.enum(['planning', 'awaiting-approval', 'running', 'paused', 'blocked', 'done', 'failed', 'cancelled']);
export type RunState = z.infer<typeof RunState>;

export const StepState = z.enum(['pending', 'ready', 'running', 'waiting', 'checkpoint', 'done', 'failed', 'blocked']);
export type StepState = z.infer<typeof StepState>;

export const StepInfo = z.object({
  id: z.string(),
  phase: z.string(),
  title: z.string(),
  role: z.string(),
  dependsOn: z.array(z.string()),
  checkpoint: z.boolean(),
  state: StepState,
  agent: AgentName.nullable(),
  branch: z.string().nullable(),
});
export type StepInfo = z.infer<typeof StepInfo>;

/** The runbook a run was started from, exactly: its content hash is what "which spec made this code" points at. */
export const RunRunbook = RunbookInfo.pick({ name: true, version: true, hash: true, source: true, file: true });
export type RunRunbook = z.infer<typeof RunRunbook>;

/**
 * A done run's integration branch on origin and its pull request (runbook `pull_request.open`). open: the pull request
 * is open on the forge (its feedback is polled); pushed: a plain git remote, no pull request (note says why); failed:
 * the push or the pull request failed (note says why).
 */
export const RunPullRequest = z.object({
  url: z.string().nullable(),
  number: z.number().int().positive().nullable(),
  branch: z.string(),
  /** What origin's branch was set to; null when the push failed. */
  pushedCommit: z.string().nullable(),
  state: z.enum(['open', 'pushed', 'failed']),
  note: z.string().nullable(),
});
export type RunPullRequest = z.infer<typeof RunPullRequest>;

export const RunInfo = z.object({
  id: RunId,
  runbook: RunRunbook,
  repo: RepoName,
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  state: RunState,
  /** Why the run is in its state when that needs saying (failed, blocked, cancelled). */
  reason: z.string().nullable(),
  /** The commit the run started from, and the branch the steps' work is merged into. */
  baseCommit: z.string(),
  integrationBranch: z.string(),
  planner: AgentName.nullable(),
  /** The newest plan version, and the approved one (null until a person approves). */
  planVersion: z.number().int().positive().nullable(),
  approvedVersion: z.number().int().positive().nullable(),
  /** The steps of the approved plan (of the newest version before approval). */
  steps: z.array(StepInfo),
  /** Null until the done run is pushed; absent in what older hosts and mirrors sent. */
  pullRequest: RunPullRequest.nullable().default(null),
  startedBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type RunInfo = z.infer<typeof RunInfo>;

export const PlanVersionStatus = z.enum(['pending', 'approved', 'superseded', 'changes-requested']);

export const PlanVersionInfo = z.object({
  version: z.number().int().positive(),
  plan: Plan,
  /** sha256 of the plan's canonical JSON: what an approval is recorded against. */
  hash: z.string(),
  /** `agent:NAME` for the planner's submissions, the person for edits. */
  author: z.string(),
  note: z.string().nullable(),
  status: PlanVersionStatus,
  /** Who approved it or asked for changes, and the feedback given. */
  decidedBy: z.string().nullable(),
  feedback: z.string().nullable(),
  createdAt: z.number(),
});
export type PlanVersionInfo = z.infer<typeof PlanVersionInfo>;

/** The exact prompt an agent of a run got: with the runbook hash, "version control for specs". */
export const RunPrompt = z.object({ agent: AgentName, role: z.string(), step: z.string().nullable(), prompt: z.string(), at: z.number() });
export type RunPrompt = z.infer<typeof RunPrompt>;

export const InboxKind = z.enum(['plan', 'checkpoint', 'question', 'escalation', 'approval', 'learnings', 'review']);
export type InboxKind = z.infer<typeof InboxKind>;

export const InboxItemId = z.string().regex(/^[a-z]{1,3}-[0-9a-z-]{4,40}$/, 'an inbox item id looks like pl-r-1a2b3c-2, q-1a2b3c4d or ap-1a2b3c4d');

/** One thing waiting on a person, from any source: a plan, an agent's question or checkpoint, a held command. */
export const InboxItem = z.object({
  id: InboxItemId,
  kind: InboxKind,
  run: RunId.nullable(),
  step: z.string().nullable(),
  agent: AgentName.nullable(),
  /** One line: the plan's title, the question, the checkpoint's summary, the command. */
  summary: z.string(),
  options: z.array(z.string()).optional(),
  since: z.number(),
});
export type InboxItem = z.infer<typeof InboxItem>;

/** One piece of feedback on a run's pull request: a review's summary, a comment on a line, or one in the conversation. */
export const ReviewComment = z.object({
  /** The forge's id (review-comment:123). */
  id: z.string(),
  kind: z.enum(['review', 'review-comment', 'comment']),
  author: z.string(),
  body: z.string(),
  path: z.string().nullable(),
  line: z.number().int().nullable(),
  url: z.string(),
  /** ISO 8601, as the forge said. */
  createdAt: z.string(),
  /** The host's reply once the rework is pushed. */
  replyUrl: z.string().nullable(),
});
export type ReviewComment = z.infer<typeof ReviewComment>;

/** What `show` prints: the item and everything needed to decide it. */
export const InboxDetail = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('plan'),
    run: RunInfo,
    version: PlanVersionInfo,
    /** The plan as a human-written migration plan reads. */
    markdown: z.string(),
    /** The version before it (to diff against), when there is one. */
    previous: PlanVersionInfo.nullable(),
  }),
  z.object({ kind: z.literal('question'), request: PendingKind, input: z.record(z.string(), z.unknown()) }),
  z.object({ kind: z.literal('approval'), approval: ApprovalInfo }),
  /** A retrospective's proposal; `markdown` is the list a person edits and approves (common/learnings/learningsMarkdown.ts). */
  z.object({ kind: z.literal('learnings'), run: RunId, round: z.number().int().positive(), proposals: z.array(LearningProposal), markdown: z.string() }),
  z.object({ kind: z.literal('review'), run: RunId, pullRequest: RunPullRequest, round: z.number().int().positive(), comments: z.array(ReviewComment) }),
]);
export type InboxDetail = z.infer<typeof InboxDetail>;

export const InboxDecision = z.enum(['approve', 'reject', 'answer']);
export type InboxDecision = z.infer<typeof InboxDecision>;

export const RunEvent = z.object({ run: RunInfo });
export const InboxEvent = z.object({ type: z.enum(['added', 'removed']), item: InboxItem });
export type InboxEvent = z.infer<typeof InboxEvent>;

export const StartRunParams = z.object({
  runbook: RunbookName,
  repo: RepoName,
  /** Parameters as typed on a command line (`--param K=V`); the host converts them to the declared types. */
  params: z.record(z.string().max(64), z.string().max(64 * 1024)).default({}),
  /** Where the integration branch starts (default: the repo's default branch on origin). */
  base: z.string().min(1).max(256).optional(),
});
