import { z } from 'zod';
import { request } from '../protocol/define';
import { RepoName } from '../protocol/agents';
import { Plan } from '../protocol/plan';
import { RunbookInfo, RunbookProblem } from '../protocol/runbook';
import { RunRecord } from '../protocol/runRecord';
import { InboxDecision, InboxItem, InboxItemId, PlanVersionInfo, RunInfo, StartRunParams } from '../protocol/runs';
import { HostName } from './hosts';
import { HostFailure, InboxEntry, InboxShown, RunDetail, RunEntry, RunRef, Stale } from './runs';

const RunResult = z.object({ host: HostName, run: RunInfo });

/** The AppApi's runbooks, runs, plans and inbox (spread into appApi). */
export const runsApi = {
  'runbooks.list': request({
    direction: 'client-to-host',
    summary: "A host's runbooks: the built-ins and, with a repo, the repo's own (overriding by name); broken files as problems.",
    params: z.object({ host: HostName, repo: RepoName.optional() }),
    result: z.object({ host: HostName, runbooks: z.array(RunbookInfo), problems: z.array(RunbookProblem) }),
  }),
  'runs.start': request({
    direction: 'client-to-host',
    summary: 'Start a run of a runbook on a repo of a host: its planner starts and submits a plan for review.',
    params: StartRunParams.extend({ host: HostName }),
    result: RunResult,
  }),
  'runs.list': request({
    direction: 'client-to-host',
    summary: "Every host's runs, newest first; a host that cannot be asked lists its runs as last mirrored (stale) and is named in errors.",
    params: z.object({}).strict(),
    result: z.object({ runs: z.array(RunEntry), errors: z.array(HostFailure) }),
  }),
  'runs.show': request({
    direction: 'client-to-host',
    summary: 'One run with its plan versions and prompts; from the cache (stale) when its host cannot be asked.',
    params: RunRef,
    result: RunDetail,
  }),
  'runs.record': request({
    direction: 'client-to-host',
    summary: "One run's record (decisions, step summaries, each agent's tokens and cost); from the cache (stale) when its host cannot be asked.",
    params: RunRef,
    result: z.object({ host: HostName, record: RunRecord, stale: Stale.nullable() }),
  }),
  'runs.pause': request({
    direction: 'client-to-host',
    summary: 'Pause a running run: its step agents stop where they are (resumable) and no step starts until runs.resume.',
    params: RunRef,
    result: RunResult,
  }),
  'runs.resume': request({
    direction: 'client-to-host',
    summary: 'Resume a paused run.',
    params: RunRef,
    result: RunResult,
  }),
  'runs.cancel': request({
    direction: 'client-to-host',
    summary: 'Cancel a run: its agents stop, its inbox items go; branches and worktrees stay for inspection.',
    params: RunRef,
    result: RunResult,
  }),
  'plans.edit': request({
    direction: 'client-to-host',
    summary: 'A person edits the plan awaiting approval: a new version (validated like a submission), still to approve.',
    params: RunRef.extend({ plan: Plan, note: z.string().max(4096).optional() }),
    result: z.object({ host: HostName, version: PlanVersionInfo }),
  }),
  'inbox.list': request({
    direction: 'client-to-host',
    summary: 'Everything waiting on a person across the fleet, oldest first; hosts that could not be asked in errors.',
    params: z.object({}).strict(),
    result: z.object({ items: z.array(InboxEntry), errors: z.array(HostFailure) }),
  }),
  'inbox.show': request({
    direction: 'client-to-host',
    summary: 'One inbox item with what is needed to decide it.',
    params: z.object({ host: HostName, item: InboxItemId }),
    result: InboxShown,
  }),
  'inbox.decide': request({
    direction: 'client-to-host',
    summary: 'Approve (optional note), reject (feedback) or answer an item; settled: false while it waits for a second reviewer.',
    params: z.object({ host: HostName, item: InboxItemId, decision: InboxDecision, text: z.string().max(64 * 1024).optional() }),
    result: z.object({ item: InboxItem, settled: z.boolean() }),
  }),
} as const;
