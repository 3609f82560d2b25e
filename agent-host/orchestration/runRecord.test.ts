import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZERO_USAGE, type AgentInfo } from '../../common/protocol/agents';
import type { Plan } from '../../common/protocol/plan';
import { RunRecord } from '../../common/protocol/runRecord';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { openDatabase, type Db } from '../journal/database';
import { RunItems } from './runItems';
import { buildRunRecord, type RunRecordSources } from './runRecord';
import { RunStore } from './runStore';

const RUN = 'r-abc123';
const USAGE = { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 50, cacheWriteTokens: 7 };
const step = (id: string, role: string, depends_on: string[] = []) => ({ id, title: `Step ${id}`, description: '', role, depends_on, checkpoint: false });
const PLAN: Plan = {
  title: 'Add a dark-mode flag',
  summary: 'A flag and its docs.',
  analysis: { touchpoints: [], dependencies: [], risks: [] },
  phases: [{ id: 'p1', title: 'Build', estimate_hours: 1, steps: [step('flag', 'implementer'), step('docs', 'writer', ['flag'])] }],
  impact: { components: [], breaking_changes: [], testing: [] },
  rollback: [],
  questions: [],
};

let dir: string;
let db: Db;
let store: RunStore;
let items: RunItems;
let agents: Map<string, AgentInfo>;
let sources: RunRecordSources;

function agentInfo(name: string, change: Partial<AgentInfo>): AgentInfo {
  return {
    name,
    profile: 'builtin',
    kind: 'builtin',
    repo: 'app',
    branch: `flightdeck/${name}`,
    baseCommit: 'b'.repeat(40),
    worktree: `/tmp/${name}`,
    task: 'do it',
    model: 'claude-x',
    sessionId: null,
    status: 'stopped',
    question: null,
    queuedMessages: 0,
    usage: ZERO_USAGE,
    costUsd: null,
    turns: 0,
    confinement: null,
    createdAt: 1,
    updatedAt: 2,
    ...change,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fd-run-record-'));
  db = openDatabase(join(dir, 'host.db'));
  store = new RunStore(db);
  items = new RunItems(db);
  agents = new Map();
  sources = { store, items, agent: (name) => agents.get(name), repoUrl: () => 'https://git.example.com/team/app.git' };
  store.insert({
    id: RUN,
    runbook: { name: 'add-feature', version: '1.0.0', hash: 'a'.repeat(64), source: 'built-in', file: 'runbooks/add-feature.md' },
    runbookText: '---\nname: add-feature\n---\nGuidance.\n',
    repo: 'app',
    params: { feature: 'dark mode' },
    state: 'running',
    reason: null,
    baseCommit: 'b'.repeat(40),
    integrationBranch: `flightdeck-run/${RUN}`,
    planner: `${RUN}-planner`,
    startedBy: 'person:alice',
    createdAt: 1000,
    updatedAt: 2000,
  });
  store.addPlan(RUN, PLAN, 'h1', `agent:${RUN}-planner`, null);
  store.decidePlan(RUN, 1, 'changes-requested', 'person:alice', 'Docs too');
  store.addPlan(RUN, PLAN, 'h2', `agent:${RUN}-planner`, null);
  store.decidePlan(RUN, 2, 'approved', 'person:alice', null);
  // Stored in another order than the plan's: the record follows the plan.
  store.setStep(RUN, { step: 'docs', state: 'pending', agent: null, branch: null, baseCommit: null, summary: null, restarts: 0 });
  store.setStep(RUN, { step: 'flag', state: 'done', agent: `${RUN}-flag`, branch: `flightdeck/${RUN}-flag`, baseCommit: 'c'.repeat(40), summary: 'Added FLAG_DARK.', restarts: 1 });
  store.addPrompt(RUN, { agent: `${RUN}-planner`, role: 'planner', step: null, prompt: 'Plan it.', at: 1100 });
  store.addPrompt(RUN, { agent: `${RUN}-flag`, role: 'implementer', step: 'flag', prompt: 'Add the flag.', at: 1200 });
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('buildRunRecord', () => {
  it('gathers the run, its runbook text, plans, prompts and steps in plan order', () => {
    const record = RunRecord.parse(buildRunRecord(RUN, sources));
    expect(record.run).toMatchObject({ id: RUN, state: 'running', approvedVersion: 2, planVersion: 2 });
    expect(record.run.steps.map((candidate) => candidate.id)).toEqual(['flag', 'docs']);
    expect(record.runbookText).toBe('---\nname: add-feature\n---\nGuidance.\n');
    expect(record.plans.map((plan) => [plan.version, plan.status, plan.feedback])).toEqual([
      [1, 'changes-requested', 'Docs too'],
      [2, 'approved', null],
    ]);
    expect(record.prompts.map((prompt) => prompt.prompt)).toEqual(['Plan it.', 'Add the flag.']);
    expect(record.steps).toEqual([
      { id: 'flag', summary: 'Added FLAG_DARK.', baseCommit: 'c'.repeat(40), restarts: 1 },
      { id: 'docs', summary: null, baseCommit: null, restarts: 0 },
    ]);
  });

  it('keeps every checkpoint and escalation with its decision, tests and files', () => {
    const checkpoint = items.add({
      run: RUN,
      step: 'flag',
      phase: null,
      kind: 'checkpoint',
      origin: 'agent-checkpoint',
      agent: `${RUN}-flag`,
      summary: 'Flag added',
      // As the coordinator stores it: the agent's checkpoint input, then the review (stepGit.ts).
      detail: {
        summary: 'Flag added',
        tests_run: ['npm test', 42],
        base: 'c'.repeat(40),
        head: 'd'.repeat(40),
        files: [
          { path: 'src/flags.ts', status: 'modified', additions: 3, deletions: 1 },
          { path: 'docs/new.md', status: 'renamed', additions: 0, deletions: 0, oldPath: 'docs/old.md' },
          { path: 'broken' },
        ],
        diff: '…',
        truncated: false,
        secrets: [],
        protected_paths: [],
      },
      options: [],
    });
    items.addApproval(checkpoint.id, 'person:alice');
    items.settle(checkpoint.id, 'approved', 'person:alice', 'Nice');
    const escalation = items.add({
      run: RUN,
      step: 'docs',
      phase: null,
      kind: 'escalation',
      origin: 'merge-conflict',
      agent: null,
      summary: 'Step docs conflicts',
      detail: { problem: 'Step docs conflicts', context: 'README.md', suggested_resolutions: ['1. send back'] },
      options: ['1. send back'],
    });
    items.settle(escalation.id, 'answered', 'person:bob', '1. send back');
    const open = items.add({ run: RUN, step: null, phase: 'p1', kind: 'checkpoint', origin: 'phase', agent: null, summary: 'Phase merged', detail: {}, options: [] });

    const record = RunRecord.parse(buildRunRecord(RUN, sources));
    expect(record.items).toHaveLength(3);
    const [first, second, third] = record.items;
    expect(first).toMatchObject({
      id: checkpoint.id,
      kind: 'checkpoint',
      origin: 'agent-checkpoint',
      step: 'flag',
      agent: `${RUN}-flag`,
      status: 'approved',
      decision: 'Nice',
      decidedBy: 'person:alice',
      approvals: ['person:alice'],
      testsRun: ['npm test'],
      files: [
        { path: 'src/flags.ts', added: 3, removed: 1 },
        { path: 'docs/new.md', added: 0, removed: 0 },
      ],
    });
    expect(first!.decidedAt).toEqual(expect.any(Number));
    expect(second).toMatchObject({ id: escalation.id, kind: 'escalation', origin: 'merge-conflict', status: 'answered', decision: '1. send back', decidedBy: 'person:bob', testsRun: [], files: [] });
    expect(third).toMatchObject({ id: open.id, status: 'open', decision: null, decidedBy: null, decidedAt: null, phase: 'p1' });
  });

  it('keeps an item whose detail has no tests or files of the expected shape, with none', () => {
    const item = items.add({ run: RUN, step: 'flag', phase: null, kind: 'checkpoint', origin: 'step', agent: null, summary: 'Again', detail: { tests_run: 'npm test', files: { path: 'x' } }, options: [] });
    items.settle(item.id, 'rejected', 'person:alice', 'No');
    const record = RunRecord.parse(buildRunRecord(RUN, sources));
    expect(record.items.map((candidate) => [candidate.id, candidate.summary, candidate.testsRun, candidate.files, candidate.decision])).toEqual([[item.id, 'Again', [], [], 'No']]);
  });

  it("costs the planner and the step agents the host still has, each with its role and step", () => {
    agents.set(`${RUN}-planner`, agentInfo(`${RUN}-planner`, { usage: USAGE, costUsd: 0.12, turns: 3, model: 'claude-plan' }));
    agents.set(`${RUN}-flag`, agentInfo(`${RUN}-flag`, { usage: USAGE, costUsd: null, turns: 5 }));
    agents.set('someone-else', agentInfo('someone-else', { usage: USAGE, costUsd: 9, turns: 9 }));
    const record = RunRecord.parse(buildRunRecord(RUN, sources));
    expect(record.agents).toEqual([
      { agent: `${RUN}-planner`, role: 'planner', step: null, model: 'claude-plan', usage: USAGE, costUsd: 0.12, turns: 3 },
      { agent: `${RUN}-flag`, role: 'implementer', step: 'flag', model: 'claude-x', usage: USAGE, costUsd: null, turns: 5 },
    ]);
  });

  it('refuses an unknown run as run.show does', () => {
    let error: unknown;
    try {
      buildRunRecord('r-000000', sources);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WireError);
    expect((error as WireError).code).toBe(WireErrorCode.RunNotFound);
  });
});
