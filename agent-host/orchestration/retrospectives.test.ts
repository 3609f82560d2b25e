import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Emitter } from '../../common/events';
import { ZERO_USAGE, type AgentEvent, type AgentInfo } from '../../common/protocol/agents';
import type { Plan } from '../../common/protocol/plan';
import { WireError } from '../../common/wire/errors';
import type { AgentBinding, AgentBindings } from '../agents/agentBinding';
import type { AgentManager } from '../agents/agentManager';
import { AuditLog } from '../audit/auditLog';
import { AuditReader } from '../audit/auditReader';
import type { Governance } from '../governance/governance';
import { branchHead, createBranch } from '../repos/integration';
import { bare, db, head, origin, repos, reposDir, useRepoFixture } from '../repos/testing/repoFixture';
import type { Actor } from '../sessions/sessionManager';
import { LearningStore } from './learningStore';
import { Retrospectives, type RetrospectivesDeps } from './retrospectives';
import { buildRunRecord } from './runRecord';
import { RunItems } from './runItems';
import { RunStore } from './runStore';
import { stepGit } from './stepGit';

useRepoFixture();

const RUN = 'r-abc123';
const QUIET = 'r-def456';
const BRANCH = (run: string) => `flightdeck-run/${run}`;
const RUNBOOK = readFileSync(join(resolve(import.meta.dirname, '../../runbooks'), 'add-feature.md'), 'utf8');
const ALICE: Actor = { actor: 'person:alice', data: { verified: true }, verified: true };
const PLAN: Plan = {
  title: 'Greet verbosely',
  summary: 'A flag.',
  analysis: { touchpoints: [], dependencies: [], risks: [] },
  phases: [{ id: 'build', title: 'Build', estimate_hours: 1, steps: [{ id: 'flag', title: 'Add -v', description: '', role: 'implementer', depends_on: [], checkpoint: true }] }],
  impact: { components: [], breaking_changes: [], testing: [] },
  rollback: [],
  questions: [],
};

function agentInfo(name: string, change: Partial<AgentInfo> = {}): AgentInfo {
  return {
    name,
    profile: 'builtin',
    kind: 'builtin',
    repo: 'sample',
    branch: `flightdeck/${name}`,
    baseCommit: head(),
    worktree: `/tmp/${name}`,
    task: '',
    model: null,
    sessionId: null,
    status: 'working',
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

type StartParams = Parameters<AgentManager['start']>[0];

/** The agent manager as the retrospectives see it: agents are records whose status a test sets; bindings as at a launch. */
class FakeAgents {
  readonly events = new Emitter<AgentEvent>();
  readonly started: { params: StartParams; model?: string; binding: AgentBinding | undefined }[] = [];
  readonly calls: string[] = [];
  private readonly bindings: AgentBindings[] = [];
  private readonly live = new Set<string>();
  private startedWaiters: (() => void)[] = [];

  constructor(readonly agents = new Map<string, AgentInfo>()) {}

  bindRuns(bindings: AgentBindings): void {
    this.bindings.push(bindings);
  }

  binding(name: string): AgentBinding | undefined {
    return this.bindings.reduce<AgentBinding | undefined>((found, bind) => found ?? bind(name), undefined);
  }

  async start(params: StartParams, _by: Actor, options: { model?: string } = {}): Promise<AgentInfo> {
    const info = agentInfo(params.name!, { task: params.task, baseCommit: params.base! });
    this.agents.set(info.name, info);
    this.live.add(info.name);
    this.started.push({ params, ...options, binding: this.binding(info.name) });
    for (const waiter of this.startedWaiters.splice(0)) waiter();
    return info;
  }

  stop(name: string): AgentInfo {
    this.calls.push(`stop ${name}`);
    this.live.delete(name);
    return this.set(name, { status: 'stopped' });
  }

  async resume(name: string): Promise<AgentInfo> {
    this.calls.push(`resume ${name}`);
    this.live.add(name);
    return this.set(name, { status: 'working' });
  }

  find(name: string): AgentInfo | undefined {
    return this.agents.get(name);
  }

  isRunning(name: string): boolean {
    return this.live.has(name);
  }

  /** What the agent reports: its status, its model calls. */
  set(name: string, change: Partial<AgentInfo>): AgentInfo {
    const info = { ...this.agents.get(name)!, ...change };
    this.agents.set(name, info);
    if (change.status === 'exited') this.live.delete(name);
    this.events.emit({ type: 'changed', agent: info });
    return info;
  }

  nextStart(): Promise<void> {
    return new Promise((resolve) => this.startedWaiters.push(resolve));
  }
}

let runs: RunStore;
let items: RunItems;
let audit: AuditLog;
let learnings: LearningStore;
let agents: FakeAgents;
let runsDone: Emitter<string>;
let retros: Retrospectives;
let logged: string[];

function retrospectives(fake: FakeAgents, extra: Partial<RetrospectivesDeps> = {}): Retrospectives {
  return new Retrospectives({
    db,
    learnings,
    agents: fake as unknown as RetrospectivesDeps['agents'],
    // Only reviews and verification need governance; a retrospective does neither.
    git: stepGit(repos, {} as Governance),
    audit,
    auditReader: new AuditReader(db),
    runsDone,
    record: (run) => buildRunRecord(run, { store: runs, items, agent: () => undefined, repoUrl: () => origin.dir, learnings: (id) => learnings.ofRun(id) }),
    log: (message) => logged.push(message),
    ...extra,
  });
}

function insertRun(id: string): void {
  runs.insert({
    id,
    runbook: { name: 'add-feature', version: '1.0.0', hash: 'a'.repeat(64), source: 'built-in', file: 'runbooks/add-feature.md' },
    runbookText: RUNBOOK,
    repo: 'sample',
    params: { feature: 'verbose greeting' },
    state: 'done',
    reason: null,
    baseCommit: head(),
    integrationBranch: BRANCH(id),
    planner: `${id}-planner`,
    startedBy: 'person:alice',
    createdAt: 1000,
    updatedAt: 2000,
  });
}

const auditOf = (action: string) => new AuditReader(db).list({ action, limit: 100 }).records;
const fileAt = async (path: string) => bare('sample').raw(['cat-file', 'blob', `${(await branchHead(join(reposDir, 'sample.git'), BRANCH(RUN)))!}:${path}`]);
const PROPOSAL = {
  learnings: [
    { text: 'Run the linter\nbefore calling checkpoint.', applies_to: 'runbook', evidence: 'ck: rejected for lint' },
    { text: 'Tests live in test/, not beside the code.', applies_to: 'repo' },
  ],
};

/** The first round started, its agent bound. */
async function started(): Promise<{ name: string; binding: AgentBinding }> {
  const next = agents.nextStart();
  runsDone.emit(RUN);
  await next;
  const { params, binding } = agents.started.at(-1)!;
  return { name: params.name!, binding: binding! };
}

beforeEach(async () => {
  await repos.add('sample', origin.dir, undefined);
  for (const run of [RUN, QUIET]) await createBranch(join(reposDir, 'sample.git'), BRANCH(run), head());
  runs = new RunStore(db);
  items = new RunItems(db);
  audit = new AuditLog(db);
  learnings = new LearningStore(db);
  agents = new FakeAgents();
  runsDone = new Emitter();
  logged = [];
  insertRun(RUN);
  insertRun(QUIET);
  runs.addPlan(RUN, PLAN, 'h1', `agent:${RUN}-planner`, null);
  runs.decidePlan(RUN, 1, 'changes-requested', 'person:alice', 'Split the docs out.');
  runs.addPlan(RUN, PLAN, 'h2', `agent:${RUN}-planner`, null);
  runs.decidePlan(RUN, 2, 'approved', 'person:alice', null);
  runs.setStep(RUN, { step: 'flag', state: 'done', agent: `${RUN}-flag`, branch: null, baseCommit: null, summary: null, restarts: 0 });
  const checkpoint = items.add({ run: RUN, step: 'flag', phase: null, kind: 'checkpoint', origin: 'agent-checkpoint', agent: `${RUN}-flag`, summary: 'greet.js takes -v', detail: {}, options: [] });
  items.settle(checkpoint.id, 'rejected', 'person:alice', 'The linter fails: run it before the checkpoint.');
  const conflict = items.add({ run: RUN, step: 'flag', phase: null, kind: 'escalation', origin: 'merge-conflict', agent: null, summary: 'Step flag conflicts', detail: { context: 'README.md' }, options: [] });
  items.settle(conflict.id, 'answered', 'person:alice', 'Send it back to merge the integration head.');
  audit.append({ actor: `agent:${RUN}-flag`, action: 'agent.escalate', target: `agent:${RUN}-flag`, outcome: 'ok', data: { id: 'q-1', input: { problem: 'Which test runner?' } } });
  audit.append({ actor: 'person:alice', action: 'agent.answer', target: `agent:${RUN}-flag`, outcome: 'ok', data: { id: 'q-1', answer: 'vitest, always.' } });
  retros = retrospectives(agents);
});

describe('Retrospectives', () => {
  it("starts a done run's retrospective read-only on its integration head, with the run's evidence, propose_learnings offered to it alone", async () => {
    const { name, binding } = await started();
    const { params, model } = agents.started[0]!;
    expect(name).toBe(`${RUN}-retro`);
    expect(params).toMatchObject({ repo: 'sample', profile: 'builtin', base: head() });
    expect(model).toBeUndefined();
    expect(params.task).toMatch(/^You are the retrospective of run r-abc123 \(round 1: the run is done\)/);
    for (const evidence of ['Split the docs out.', 'The linter fails: run it before the checkpoint.', 'Send it back to merge the integration head.', 'Which test runner?', 'vitest, always.']) {
      expect(params.task).toContain(evidence);
    }
    expect(params.task).toContain('## Learnings from earlier runs');
    expect(binding.readOnly).toBe(true);
    expect(binding.policyLayers.map((layer) => layer.label)).toContain('read-only retrospective');
    expect(Object.keys(binding.runTools!)).toEqual(['propose_learnings']);
    expect(binding.ask('ask_human', { question: 'x' })).toBeNull();
    expect(agents.binding(`${RUN}-planner`)).toBeUndefined();
    expect(runs.prompts(RUN).map((prompt) => [prompt.agent, prompt.role, prompt.prompt])).toEqual([[name, 'retrospective', params.task]]);
  });

  it('takes one proposal as one inbox item with an editable list, stops its agent at the end of its turn, and refuses a second', async () => {
    const { name, binding } = await started();
    let changes = 0;
    retros.changes.on(() => changes++);
    const answer = binding.runTools!.propose_learnings!(PROPOSAL);
    expect(answer).toContain(`Submitted for review as ln-${RUN}-1: 2 learnings.`);
    expect(changes).toBe(1);
    expect(retros.items()).toEqual([{ id: `ln-${RUN}-1`, kind: 'learnings', run: RUN, step: null, agent: name, summary: '2 learnings proposed for add-feature', since: expect.any(Number) }]);
    const detail = retros.show(`ln-${RUN}-1`)!;
    expect(detail).toMatchObject({ kind: 'learnings', run: RUN, round: 1, proposals: [{ text: 'Run the linter before calling checkpoint.' }, { applies_to: 'repo' }] });
    expect(detail.kind === 'learnings' && detail.markdown).toContain('- [runbook] Run the linter before calling checkpoint.\n  <!-- evidence: ck: rejected for lint -->\n- [repo] Tests live in test/, not beside the code.\n');
    expect(retros.show('pl-r-abc123-1')).toBeUndefined();
    expect(auditOf('learnings.propose')).toMatchObject([{ actor: `agent:${name}`, target: `run:${RUN}`, data: { item: `ln-${RUN}-1`, round: 1, count: 2 } }]);

    agents.set(name, { status: 'idle', turns: 3 });
    expect(agents.calls).toEqual([`stop ${name}`]);
    expect(() => binding.runTools!.propose_learnings!(PROPOSAL)).toThrow('your learnings were submitted already');
  });

  it('accepts the list as edited: stored, audited, and committed onto the integration branch in one commit', async () => {
    const { binding } = await started();
    binding.runTools!.propose_learnings!(PROPOSAL);
    const before = await branchHead(join(reposDir, 'sample.git'), BRANCH(RUN));
    const edited = retros.show(`ln-${RUN}-1`)!;
    const text = (edited.kind === 'learnings' ? edited.markdown : '').replace('Run the linter before calling checkpoint.', 'Run npm run lint before every checkpoint.');
    expect(await retros.decide(`ln-${RUN}-1`, 'approve', text, ALICE)).toBe(true);

    expect(retros.items()).toEqual([]);
    expect(learnings.ofRun(RUN).map((learning) => [learning.id, learning.appliesTo, learning.text, learning.acceptedBy])).toEqual([
      [`ln-${RUN}-1-1`, 'runbook', 'Run npm run lint before every checkpoint.', 'person:alice'],
      [`ln-${RUN}-1-2`, 'repo', 'Tests live in test/, not beside the code.', 'person:alice'],
    ]);
    expect(auditOf('learnings.accept')).toMatchObject([{ actor: 'person:alice', target: `run:${RUN}`, data: { item: `ln-${RUN}-1`, count: 2, by: 'person:alice', edited: true } }]);
    const after = (await branchHead(join(reposDir, 'sample.git'), BRANCH(RUN)))!;
    expect((await bare('sample').raw(['rev-parse', `${after}^`])).trim()).toBe(before);
    expect(await fileAt('.flightdeck/runbooks/add-feature.md')).toContain('\n- Run npm run lint before every checkpoint. (run r-abc123, accepted by alice, ');
    expect(await fileAt('.flightdeck/context/learnings.md')).toContain('Tests live in test/, not beside the code.');
    expect(learnings.uncommitted()).toEqual([]);
    expect(learnings.ofRound(RUN, 1).map((learning) => learning.commit)).toEqual([after, after]);
  });

  it('refuses an edited list with a problem, naming its line, and accepts nothing; an empty list accepts nothing and commits nothing', async () => {
    const { binding } = await started();
    binding.runTools!.propose_learnings!(PROPOSAL);
    const refused = await retros.decide(`ln-${RUN}-1`, 'approve', '- [runbook] Fine.\n- [team] Not a target.\n', ALICE)!.catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WireError);
    expect((refused as WireError).data).toEqual({ problems: ['line 2: [team] is neither [runbook] nor [repo]'] });
    expect(retros.items()).toHaveLength(1);
    const before = await branchHead(join(reposDir, 'sample.git'), BRANCH(RUN));
    expect(await retros.decide(`ln-${RUN}-1`, 'approve', '<!-- none of these -->\n', ALICE)).toBe(true);
    expect(learnings.ofRun(RUN)).toEqual([]);
    expect(auditOf('learnings.accept')).toMatchObject([{ data: { count: 0 } }]);
    expect(await branchHead(join(reposDir, 'sample.git'), BRANCH(RUN))).toBe(before);
  });

  it('declines all on a rejection with feedback (recorded); an answer, or a rejection without feedback, is refused', async () => {
    const { binding } = await started();
    binding.runTools!.propose_learnings!(PROPOSAL);
    await expect(retros.decide(`ln-${RUN}-1`, 'answer', 'yes', ALICE)!).rejects.toThrow('learnings are approved');
    await expect(retros.decide(`ln-${RUN}-1`, 'reject', ' ', ALICE)!).rejects.toThrow('a rejection needs feedback');
    expect(await retros.decide(`ln-${RUN}-1`, 'reject', 'Too specific to this run.', ALICE)).toBe(true);
    expect(learnings.round(RUN, 1)).toMatchObject({ state: 'rejected', note: 'Too specific to this run.', decidedBy: 'person:alice' });
    expect(auditOf('learnings.reject')).toMatchObject([{ actor: 'person:alice', data: { item: `ln-${RUN}-1`, count: 2, feedback: 'Too specific to this run.' } }]);
    expect(learnings.ofRun(RUN)).toEqual([]);
    expect(retros.decide('ck-12345678', 'approve', undefined, ALICE)).toBeUndefined();
  });

  it('starts no agent for a run with no evidence, and says why in the log and the audit', async () => {
    const skipped = await retros.startRetrospective(QUIET, 'the run is done');
    expect(skipped).toMatchObject({ round: 1, state: 'skipped', agent: null });
    expect(agents.started).toEqual([]);
    expect(auditOf('learnings.skipped')).toMatchObject([{ actor: 'host', target: `run:${QUIET}`, reason: expect.stringContaining('no evidence') }]);
    expect(logged.join('\n')).toContain(`run ${QUIET}: no retrospective (round 1): no evidence`);
  });

  it('ends a round whose agent ends its turn without proposing, or crashes', async () => {
    const { name } = await started();
    agents.set(name, { status: 'idle', turns: 2 });
    expect(learnings.round(RUN, 1)).toMatchObject({ state: 'ended', note: 'its agent ended its turn without proposing learnings' });
    expect(agents.calls).toEqual([`stop ${name}`]);

    const second = agents.nextStart();
    const round = retros.startRetrospective(RUN, 'review rework');
    await second;
    expect((await round).agent).toBe(`${RUN}-retro-2`);
    agents.set(`${RUN}-retro-2`, { status: 'exited' });
    expect(learnings.round(RUN, 2)).toMatchObject({ state: 'ended', note: 'its agent exited without proposing learnings' });
    expect(auditOf('learnings.skipped').map((record) => record.data.round)).toEqual([1, 2]);
  });

  it('feeds extra evidence (review comments) into the prompt; a round already under way is not started twice', async () => {
    runsDone = new Emitter();
    retros = retrospectives((agents = new FakeAgents()), { extraEvidence: (run) => [`Review comment on ${run}: name the flag --verbose.`] });
    const { params } = await started().then(() => agents.started[0]!);
    expect(params.task).toContain('Review comment on r-abc123: name the flag --verbose.');
    await expect(retros.startRetrospective(RUN, 'again')).rejects.toThrow('round 1 is under way');
    await expect(retros.startRetrospective('r-000000', 'nothing')).rejects.toThrow('no run r-000000');
  });

  it('after a restart: resumes an agent that died with the daemon, and makes the commit an accepted round did not get', async () => {
    const { name } = await started();
    const accepted = learnings.begin(QUIET, 'the run is done', () => `${QUIET}-retro`, 'running', null);
    learnings.propose(QUIET, 1, [{ text: 'Tests live in test/.', applies_to: 'repo' }]);
    // Accepted, then the daemon died before the commit.
    learnings.accept(accepted, { runbook: 'add-feature', repo: 'sample' }, [{ applies_to: 'repo', text: 'Tests live in test/.' }], 'person:alice');
    const restarted = new FakeAgents(new Map([[name, agentInfo(name, { status: 'interrupted', turns: 2 })]]));
    runsDone = new Emitter();
    retros = retrospectives(restarted);
    await retros.restore();
    expect(restarted.calls).toEqual([`resume ${name}`]);
    // Resumed, its idle before a new model call is no end of its turn.
    restarted.set(name, { status: 'idle', turns: 2 });
    expect(learnings.round(RUN, 1)!.state).toBe('running');
    const quiet = (await branchHead(join(reposDir, 'sample.git'), BRANCH(QUIET)))!;
    expect(quiet).not.toBe(head());
    expect(await bare('sample').raw(['cat-file', 'blob', `${quiet}:.flightdeck/context/learnings.md`])).toContain('Tests live in test/.');
    expect(learnings.uncommitted()).toEqual([]);
  });
});
