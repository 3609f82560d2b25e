import { z } from 'zod';
import { AgentEvent, AgentInfo, AgentName, MessageDelivery, ProfileInfo, ProfileName, RepoInfo, RepoName } from './agents';
import { notification, request } from './define';
import { TerminalSize } from './session';

const Empty = z.object({}).strict();

/** A git ref as a human types it: a branch, a tag, a commit, origin/<branch>. */
const GitRef = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/@{}^~-]*$/, 'a git ref (branch, tag or commit)');

export const RepoProgress = z.object({
  name: RepoName,
  /** git's own stage names: counting, compressing, receiving, resolving, checking out. */
  stage: z.string(),
  percent: z.number().min(0).max(100),
});
export type RepoProgress = z.infer<typeof RepoProgress>;

export const StartAgentParams = z.object({
  repo: RepoName,
  profile: ProfileName,
  task: z.string().min(1).max(256 * 1024),
  name: AgentName.optional(),
  base: GitRef.optional(),
  cols: TerminalSize.cols.default(120),
  rows: TerminalSize.rows.default(32),
});
export type StartAgentParams = z.input<typeof StartAgentParams>;

/** The human side of agents and repos; merged into hostProtocol (methods.ts). */
export const agentMethods = {
  'repo.add': request({
    direction: 'client-to-host',
    summary: "Clone a repo once on the host with the host's own git credentials; repo.progress reports the clone.",
    params: z.object({ name: RepoName, url: z.string().min(1).max(4096), branch: GitRef.optional() }),
    result: z.object({ repo: RepoInfo }),
  }),
  'repo.list': request({
    direction: 'client-to-host',
    summary: 'The repos cloned on this host.',
    params: Empty,
    result: z.object({ repos: z.array(RepoInfo) }),
  }),
  'repo.remove': request({
    direction: 'client-to-host',
    summary: 'Delete a repo clone; refused while agents still have worktrees of it.',
    params: z.object({ name: RepoName }),
    result: Empty,
  }),
  'repo.progress': notification({
    direction: 'host-to-client',
    summary: 'How far a clone or fetch this client asked for has come.',
    params: RepoProgress,
  }),
  'profile.list': request({
    direction: 'client-to-host',
    summary: 'The profiles agents can start from: built in, and the host’s profiles.yaml.',
    params: Empty,
    result: z.object({ profiles: z.array(ProfileInfo) }),
  }),
  'agent.start': request({
    direction: 'client-to-host',
    summary: 'Create a worktree and branch flightdeck/<name> from base (default: the repo’s branch, fetched first) and start the agent in it.',
    params: StartAgentParams,
    result: z.object({ agent: AgentInfo }),
  }),
  'agent.list': request({
    direction: 'client-to-host',
    summary: 'Every agent on this host with status, tokens and cost.',
    params: Empty,
    result: z.object({ agents: z.array(AgentInfo) }),
  }),
  'agent.send': request({
    direction: 'client-to-host',
    summary:
      'A message from a human: the answer to the question the agent waits on, else queued into its conversation ' +
      '(built-in) or typed as a bracketed paste when a CLI agent is at its prompt (queued until then).',
    params: z.object({ agent: AgentName, text: z.string().min(1).max(256 * 1024) }),
    result: z.object({ delivery: MessageDelivery }),
  }),
  'agent.stop': request({
    direction: 'client-to-host',
    summary: 'End the agent’s process; its worktree, branch and conversation stay, and agent.resume continues it.',
    params: z.object({ agent: AgentName }),
    result: z.object({ agent: AgentInfo }),
  }),
  'agent.resume': request({
    direction: 'client-to-host',
    summary: 'Start a stopped, exited or interrupted agent again in a new session, continuing its conversation.',
    params: z.object({ agent: AgentName, ...TerminalSize }).partial({ cols: true, rows: true }),
    result: z.object({ agent: AgentInfo }),
  }),
  'agent.remove': request({
    direction: 'client-to-host',
    summary: 'Forget an agent that is not running and remove its worktree: only when clean unless force. The branch stays.',
    params: z.object({ agent: AgentName, force: z.boolean().default(false) }),
    result: Empty,
  }),
  'agent.event': notification({
    direction: 'host-to-client',
    summary: 'An agent started, changed (status, question, tokens) or was removed.',
    params: AgentEvent,
  }),
} as const;
