import { z } from 'zod';
import { RepoName } from './agents';
import { notification, request } from './define';
import { Plan } from './plan';
import { RunbookInfo, RunbookProblem } from './runbook';
import { RunRecord } from './runRecord';
import {
  InboxDecision,
  InboxDetail,
  InboxEvent,
  InboxItem,
  InboxItemId,
  PlanVersionInfo,
  RunEvent,
  RunId,
  RunInfo,
  RunPrompt,
  StartRunParams,
} from './runs';

const Empty = z.object({}).strict();

/** The human side of orchestration: runbooks, runs, plans and the inbox. Merged into hostProtocol. */
export const runMethods = {
  'runbook.list': request({
    direction: 'client-to-host',
    summary: "The built-in runbooks and, with a repo, the repo's own (.flightdeck/runbooks/, overriding by name); broken files as problems.",
    params: z.object({ repo: RepoName.optional() }),
    result: z.object({ runbooks: z.array(RunbookInfo), problems: z.array(RunbookProblem) }),
  }),
  'run.start': request({
    direction: 'client-to-host',
    summary: 'Start a run of a runbook on a repo: its planner starts (read-only) and must submit a plan for review.',
    params: StartRunParams,
    result: z.object({ run: RunInfo }),
  }),
  'run.list': request({
    direction: 'client-to-host',
    summary: 'The runs on this host, newest first.',
    params: Empty,
    result: z.object({ runs: z.array(RunInfo) }),
  }),
  'run.show': request({
    direction: 'client-to-host',
    summary: 'One run: its state and steps, every plan version, and the exact prompt each of its agents got.',
    params: z.object({ run: RunId }),
    result: z.object({ run: RunInfo, plans: z.array(PlanVersionInfo), prompts: z.array(RunPrompt) }),
  }),
  'run.record': request({
    direction: 'client-to-host',
    summary: "One run for the record (the repo's .flightdeck/runs/<run>/): runbook text, plans, prompts, decisions, step summaries, costs.",
    params: z.object({ run: RunId }),
    result: z.object({ record: RunRecord }),
  }),
  'run.cancel': request({
    direction: 'client-to-host',
    summary: "Cancel a run: its agents stop, its inbox items go; branches and worktrees stay for inspection.",
    params: z.object({ run: RunId }),
    result: z.object({ run: RunInfo }),
  }),
  'run.pause': request({
    direction: 'client-to-host',
    summary: 'Pause a running run: its step agents stop where they are (resumable) and no step starts until run.resume.',
    params: z.object({ run: RunId }),
    result: z.object({ run: RunInfo }),
  }),
  'run.resume': request({
    direction: 'client-to-host',
    summary: 'Resume a paused run: its step agents go on and the coordinator starts what may start.',
    params: z.object({ run: RunId }),
    result: z.object({ run: RunInfo }),
  }),
  'plan.edit': request({
    direction: 'client-to-host',
    summary: 'A person edits the plan awaiting approval: a new version (validated like a submission), still to approve.',
    params: z.object({ run: RunId, plan: Plan, note: z.string().max(4096).optional() }),
    result: z.object({ version: PlanVersionInfo }),
  }),
  'inbox.list': request({
    direction: 'client-to-host',
    summary: 'Everything waiting on a person on this host: plans, checkpoints, questions, escalations, approvals; oldest first.',
    params: Empty,
    result: z.object({ items: z.array(InboxItem) }),
  }),
  'inbox.show': request({
    direction: 'client-to-host',
    summary: 'One inbox item with what is needed to decide it.',
    params: z.object({ item: InboxItemId }),
    result: z.object({ item: InboxItem, detail: InboxDetail }),
  }),
  'inbox.decide': request({
    direction: 'client-to-host',
    summary:
      'Approve (with an optional note), reject (with feedback: a plan goes back to its planner) or answer an item; ' +
      'audited with the person who decided.',
    params: z.object({ item: InboxItemId, decision: InboxDecision, text: z.string().max(64 * 1024).optional() }),
    /** settled: false when the decision was recorded but the item still waits (a second reviewer for protected paths). */
    result: z.object({ item: InboxItem, settled: z.boolean() }),
  }),
  'run.event': notification({ direction: 'host-to-client', summary: 'A run changed (state, plan version, steps).', params: RunEvent }),
  'inbox.event': notification({ direction: 'host-to-client', summary: 'An inbox item appeared or was settled.', params: InboxEvent }),
};
