import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { Emitter, type ListenerErrorHandler } from '../../common/events';
import { planProblems } from '../../common/plan/planRules';
import type { AgentInfo } from '../../common/protocol/agents';
import type { Plan } from '../../common/protocol/plan';
import type { InboxItem, PlanVersionInfo, RunInfo, RunPrompt, StartRunParams } from '../../common/protocol/runs';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import type { AgentBinding, AskAnswer } from '../agents/agentBinding';
import type { AgentManager } from '../agents/agentManager';
import type { Repos } from '../repos/repos';
import { parseRunbook, type Runbook } from '../runbooks/parseRunbook';
import type { RunbookLibrary } from '../runbooks/runbookLibrary';
import { resolveParams } from '../runbooks/runbookParams';
import type { Actor } from '../sessions/sessionManager';
import { readOnlyLayer, rolePolicy } from './agentPolicies';
import type { LearningStore } from './learningStore';
import { planHash } from './planHash';
import { plannerPrompt, stepRoles } from './prompts';
import { Coordinator } from './coordinator';
import { HOST_ACTOR } from './stepAgents';
import { runInfo, stepsOf } from './runInfo';
import { RunItems } from './runItems';
import { buildRunRecord } from './runRecord';
import { RunStore, type RunRecord } from './runStore';
import type { StepGit } from './stepGit';

export interface OrchestratorDeps {
  db: ConstructorParameters<typeof RunStore>[0];
  agents: AgentManager;
  repos: Repos;
  git: StepGit;
  audit: AuditLog;
  runbooks: RunbookLibrary;
  log: (message: string) => void;
  onListenerError?: ListenerErrorHandler;
  hostStepLimit?: number;
  /** Learnings people accepted on this host (learningStore.ts): in every prompt of a later run, and in a run's record. */
  learnings?: Pick<LearningStore, 'accepted' | 'ofRun'>;
}

const PLANNER_READ_ONLY = readOnlyLayer('planner');

/** Only what awaits a person moves a run forward; these states are over. */
const FINISHED = new Set(['done', 'failed', 'cancelled']);

/**
 * Runs on this host: a runbook + parameters → a planner (read-only) → plan versions a person reviews → an approved
 * plan for the coordinator. Everything is in the host database first, so a daemon restart loses no run, plan or
 * decision; a planner that died with the daemon is resumed.
 */
export class Orchestrator {
  readonly runEvents: Emitter<RunInfo>;
  /** A run reached done (its record is on its branch): what follows a run subscribes here. */
  readonly runsDone: Emitter<string>;
  readonly items: RunItems;
  readonly coordinator: Coordinator;
  private readonly store: RunStore;
  /** A planner blocked in submit_plan, by run: answered when a person decides its plan. */
  private readonly waitingPlanners = new Map<string, (answer: AskAnswer) => void>();
  private readonly runbookCache = new Map<string, Runbook>();

  constructor(private readonly deps: OrchestratorDeps) {
    this.store = new RunStore(deps.db);
    this.items = new RunItems(deps.db);
    this.runEvents = new Emitter({ name: 'run events', onListenerError: deps.onListenerError });
    this.runsDone = new Emitter({ name: 'runs done', onListenerError: deps.onListenerError });
    this.coordinator = new Coordinator({
      store: this.store,
      items: this.items,
      agents: deps.agents,
      git: deps.git,
      audit: deps.audit,
      runbookOf: (run) => this.runbookOf(run),
      planOf: (run) => this.approvedPlan(run),
      changed: (run) => void this.changed(run),
      cancel: async (run, by) => void (await this.cancel(run, by)),
      commitRecord: (run) => deps.git.commitRecord(run.repo, () => this.record(run.id)),
      done: (run) => this.runsDone.emit(run),
      accepted: (run) => this.accepted(run.runbook.name, run.repo),
      log: deps.log,
      hostStepLimit: deps.hostStepLimit,
    });
    deps.agents.bindRuns((agent) => this.bindingFor(agent));
    deps.agents.events.on(({ type, agent }) => {
      if (type === 'changed') this.agentChanged(agent);
    });
  }

  list(): RunInfo[] {
    return this.store.list().map((run) => this.view(run));
  }

  show(id: string): { run: RunInfo; plans: PlanVersionInfo[]; prompts: RunPrompt[] } {
    return { run: this.view(this.store.get(id)), plans: this.store.plans(id), prompts: this.store.prompts(id) };
  }

  /** Everything about a run for the repository's .flightdeck/runs/<run>/. */
  record(id: string) {
    return buildRunRecord(id, { store: this.store, items: this.items, agent: (name) => this.deps.agents.find(name), repoUrl: (repo) => this.deps.repos.publicUrl(repo), learnings: (run) => this.deps.learnings?.ofRun(run) ?? [] });
  }

  async start(params: z.output<typeof StartRunParams>, by: Actor): Promise<RunInfo> {
    const runbook = await this.deps.runbooks.get(params.runbook, params.repo);
    const values = resolveParams(runbook, params.params);
    const baseCommit = await this.deps.repos.resolveBase(params.repo, params.base);
    const id = `r-${randomBytes(3).toString('hex')}`;
    const now = Date.now();
    const run: RunRecord = {
      id,
      runbook: { name: runbook.info.name, version: runbook.info.version, hash: runbook.hash, source: runbook.info.source, file: runbook.info.file },
      runbookText: runbook.text,
      repo: params.repo,
      params: values,
      state: 'planning',
      reason: null,
      baseCommit,
      integrationBranch: `flightdeck-run/${id}`,
      planner: `${id}-planner`,
      startedBy: by.actor,
      createdAt: now,
      updatedAt: now,
    };
    this.store.insert(run);
    this.runbookCache.set(id, runbook);
    const audit = { actor: by.actor, action: 'run.start', target: `run:${id}` };
    const prompt = plannerPrompt({ run: id, runbook, repo: params.repo, baseCommit, params: values, accepted: this.accepted(runbook.info.name, params.repo) });
    const role = runbook.frontMatter.roles.planner!;
    try {
      await this.deps.agents.start(
        { repo: params.repo, profile: role.profile, task: prompt, name: run.planner!, base: baseCommit, cols: 120, rows: 32 },
        by,
        role.model ? { model: role.model } : {},
      );
    } catch (error) {
      this.store.update(id, { state: 'failed', reason: `the planner could not start: ${error instanceof Error ? error.message : String(error)}` });
      this.deps.audit.append({ ...audit, outcome: 'error', data: { ...by.data, runbook: run.runbook, repo: params.repo, error: String(error) } });
      this.changed(id);
      throw error;
    }
    this.store.addPrompt(id, { agent: run.planner!, role: 'planner', step: null, prompt, at: Date.now() });
    this.deps.audit.append({
      ...audit,
      outcome: 'ok',
      data: { ...by.data, runbook: run.runbook, repo: params.repo, params: values, baseCommit, planner: run.planner },
    });
    return this.changed(id);
  }

  /** A person edits the plan under review: a new version, validated like a submission, still to be approved. */
  editPlan(id: string, plan: Plan, note: string | null, by: Actor): PlanVersionInfo {
    const run = this.store.get(id);
    if (run.state !== 'awaiting-approval') {
      throw new WireError(WireErrorCode.RunState, `run ${id} is ${run.state}: only a plan awaiting approval can be edited`, { run: id, state: run.state });
    }
    this.validate(run, plan, 'the edited plan');
    const version = this.store.addPlan(id, plan, planHash(plan), by.actor, note);
    this.deps.audit.append({ actor: by.actor, action: 'plan.edit', target: `run:${id}`, outcome: 'ok', data: { ...by.data, version: version.version, hash: version.hash, note } });
    this.changed(id);
    return version;
  }

  /**
   * A person's decision on the plan awaiting approval: `version` is the one they reviewed (a newer one means they
   * have not seen what they would approve). Approve: the plan is the run's. Reject: the planner gets the feedback.
   */
  async decidePlan(id: string, version: number, approve: boolean, text: string | null, by: Actor): Promise<PlanVersionInfo> {
    const run = this.store.get(id);
    const pending = this.store.plans(id).find((plan) => plan.status === 'pending');
    if (run.state !== 'awaiting-approval' || !pending) {
      throw new WireError(WireErrorCode.RunState, `run ${id} is ${run.state}: it has no plan awaiting approval`, { run: id, state: run.state });
    }
    if (pending.version !== version) {
      throw new WireError(WireErrorCode.RunState, `plan v${version} of run ${id} was superseded by v${pending.version}: review that one`, {
        run: id,
        pending: pending.version,
      });
    }
    if (!approve && !text?.trim()) throw new WireError(WireErrorCode.InvalidParams, 'rejecting a plan needs feedback: what should change');
    const action = approve ? 'plan.approve' : 'plan.reject';
    this.deps.audit.append({
      actor: by.actor,
      action,
      target: `run:${id}`,
      outcome: 'ok',
      data: { ...by.data, version: pending.version, hash: pending.hash, ...(approve ? { note: text } : { feedback: text }) },
    });
    this.store.decidePlan(id, pending.version, approve ? 'approved' : 'changes-requested', by.actor, text);
    const waiting = this.waitingPlanners.get(id);
    this.waitingPlanners.delete(id);
    if (approve) {
      this.store.update(id, { state: 'running', reason: null });
      for (const { step } of stepsOf(pending.plan)) {
        this.store.setStep(id, { step: step.id, state: 'pending', agent: null, branch: null, baseCommit: null, summary: null, restarts: 0 });
      }
      waiting?.({ answer: `The plan (v${pending.version}) is approved${text ? `: ${text}` : ''}. Your work is done: stop now.`, by: by.actor });
      this.stopPlanner(run);
      await this.coordinator.begin(run).catch((error: unknown) => this.fail(id, `the integration branch could not be made: ${error instanceof Error ? error.message : String(error)}`));
    } else {
      this.store.update(id, { state: 'planning', reason: null });
      const answer = `${by.actor} asked for changes to plan v${pending.version}:\n${text}\nRevise the plan and call submit_plan again.`;
      if (waiting) waiting({ answer, by: by.actor });
      else await this.revivePlanner(run, answer, by);
    }
    this.changed(id);
    return this.store.plans(id).find((plan) => plan.version === pending.version)!;
  }

  async cancel(id: string, by: Actor): Promise<RunInfo> {
    const run = this.store.get(id);
    if (FINISHED.has(run.state)) throw new WireError(WireErrorCode.RunState, `run ${id} is already ${run.state}`, { run: id, state: run.state });
    this.deps.audit.append({ actor: by.actor, action: 'run.cancel', target: `run:${id}`, outcome: 'ok', data: { ...by.data, state: run.state } });
    this.store.update(id, { state: 'cancelled', reason: `cancelled by ${by.actor}` });
    for (const plan of this.store.plans(id)) if (plan.status === 'pending') this.store.decidePlan(id, plan.version, 'changes-requested', by.actor, 'run cancelled');
    const waiting = this.waitingPlanners.get(id);
    this.waitingPlanners.delete(id);
    waiting?.({ answer: 'The run was cancelled: stop now.', by: by.actor });
    this.stopPlanner(run);
    this.coordinator.cancel(id, by);
    return this.changed(id);
  }

  /** Pause: the step agents stop where they are (resumable) and nothing new starts until resume. */
  pause(id: string, by: Actor): RunInfo {
    const run = this.store.get(id);
    if (run.state !== 'running') throw new WireError(WireErrorCode.RunState, `run ${id} is ${run.state}: only a running run pauses`, { run: id, state: run.state });
    this.deps.audit.append({ actor: by.actor, action: 'run.pause', target: `run:${id}`, outcome: 'ok', data: by.data });
    this.store.update(id, { state: 'paused', reason: `paused by ${by.actor}` });
    this.coordinator.pause(id);
    return this.changed(id);
  }

  async resume(id: string, by: Actor): Promise<RunInfo> {
    const run = this.store.get(id);
    if (run.state !== 'paused') throw new WireError(WireErrorCode.RunState, `run ${id} is ${run.state}, not paused`, { run: id, state: run.state });
    this.deps.audit.append({ actor: by.actor, action: 'run.resume', target: `run:${id}`, outcome: 'ok', data: by.data });
    const resumed = this.store.update(id, { state: 'running', reason: null });
    await this.coordinator.unpause(resumed, by);
    return this.changed(id);
  }

  /** The plans awaiting a person, as inbox items. */
  planItems(): InboxItem[] {
    return this.store
      .list()
      .filter((run) => run.state === 'awaiting-approval')
      .flatMap((run) => {
        const pending = this.store.plans(run.id).find((plan) => plan.status === 'pending');
        if (!pending) return [];
        return [{ id: planItemId(run.id, pending.version), kind: 'plan' as const, run: run.id, step: null, agent: run.planner, summary: `v${pending.version}: ${pending.plan.title}`, since: pending.createdAt }];
      });
  }

  /** Why plan vN of a run awaits no review (said to a person who tries to decide it). */
  planNotPending(id: string, version: number): string {
    const plans = this.store.plans(id);
    const plan = plans.find((candidate) => candidate.version === version);
    if (!plan) return `run ${id} has no plan v${version}`;
    const pending = plans.find((candidate) => candidate.status === 'pending');
    const next = pending ? `; v${pending.version} awaits review: ${planItemId(id, pending.version)}` : '';
    if (plan.status === 'superseded') return `plan v${version} of ${id} was superseded by v${plans.at(-1)!.version}${next}`;
    return `plan v${version} of ${id} is ${plan.status}${plan.decidedBy ? ` (by ${plan.decidedBy})` : ''}${next}`;
  }

  /** The run (and step) an agent works for, if any. */
  runOf(agent: string): { run: string; step: string | null } | undefined {
    const step = this.store.stepOfAgent(agent);
    if (step) return step;
    const run = this.store.list().find((candidate) => candidate.planner === agent);
    return run ? { run: run.id, step: null } : undefined;
  }

  /**
   * After a daemon restart: a planner that died with the previous daemon while planning is resumed; running runs'
   * steps are restarted, escalated or finished (Coordinator.restore).
   */
  async restore(): Promise<void> {
    for (const run of this.store.list()) {
      if (run.state === 'running') await this.coordinator.restore(run);
      if (run.state !== 'planning' || !run.planner) continue;
      const planner = this.deps.agents.find(run.planner);
      if (planner?.status !== 'interrupted') continue;
      try {
        await this.deps.agents.resume(run.planner, {}, HOST_ACTOR);
        this.deps.log(`run ${run.id}: resumed its planner ${run.planner}`);
      } catch (error) {
        this.fail(run.id, `its planner could not be resumed after a restart: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private bindingFor(agent: string): AgentBinding | undefined {
    const step = this.coordinator.bindingFor(agent);
    if (step) {
      const place = this.store.stepOfAgent(agent)!;
      return { policyLayers: rolePolicy(this.runbookOf(this.store.get(place.run)), step.role), readOnly: false, ask: step.ask };
    }
    const run = this.store.list().find((candidate) => candidate.planner === agent);
    if (!run) return undefined;
    return {
      policyLayers: [...rolePolicy(this.runbookOf(run), 'planner'), PLANNER_READ_ONLY],
      readOnly: true,
      ask: (kind, input) => (kind === 'submit_plan' ? this.planSubmitted(run.id, agent, input as Plan) : null),
    };
  }

  /** submit_plan from the run's planner: a valid plan becomes the version under review; the call waits for the decision. */
  private planSubmitted(id: string, agent: string, plan: Plan): Promise<AskAnswer> {
    const run = this.store.get(id);
    if (run.state !== 'planning' && run.state !== 'awaiting-approval') {
      throw new WireError(WireErrorCode.RunState, `run ${id} is ${run.state}: it takes no plan now. Stop.`, { run: id });
    }
    this.validate(run, plan, 'the plan');
    const version = this.store.addPlan(id, plan, planHash(plan), `agent:${agent}`, null);
    this.store.update(id, { state: 'awaiting-approval', reason: null });
    this.deps.audit.append({ actor: `agent:${agent}`, action: 'plan.submit', target: `run:${id}`, outcome: 'ok', data: { version: version.version, hash: version.hash, title: plan.title } });
    this.changed(id);
    return new Promise((resolve) => this.waitingPlanners.set(id, resolve));
  }

  private validate(run: RunRecord, plan: Plan, what: string): void {
    const problems = planProblems(plan, stepRoles(this.runbookOf(run)));
    if (problems.length > 0) {
      throw new WireError(WireErrorCode.PlanInvalid, `${what} is not valid:\n${problems.map((problem) => `- ${problem}`).join('\n')}`, { problems });
    }
  }

  /** A planner whose plan was sent back after its wait was lost (a restart): it reads the feedback when resumed. */
  private async revivePlanner(run: RunRecord, feedback: string, by: Actor): Promise<void> {
    if (!run.planner) return;
    this.deps.agents.send(run.planner, feedback, by);
    if (this.deps.agents.isRunning(run.planner)) return;
    try {
      await this.deps.agents.resume(run.planner, {}, by);
    } catch (error) {
      this.fail(run.id, `its planner could not be resumed for the requested changes: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private stopPlanner(run: RunRecord): void {
    if (run.planner && this.deps.agents.isRunning(run.planner)) this.deps.agents.stop(run.planner, HOST_ACTOR);
  }

  /** A planner that ends while its run still waits for a plan leaves the run with no way forward. */
  private agentChanged(agent: AgentInfo): void {
    if (agent.status !== 'exited' && agent.status !== 'stopped') return;
    const run = this.store.list().find((candidate) => candidate.planner === agent.name);
    if (run?.state !== 'planning') return;
    this.waitingPlanners.delete(run.id);
    this.fail(run.id, `the planner ${agent.status} without submitting a plan that was approved`);
  }

  private fail(id: string, reason: string): void {
    this.deps.log(`run ${id}: failed: ${reason}`);
    this.deps.audit.append({ actor: 'host', action: 'run.fail', target: `run:${id}`, reason, outcome: 'ok', data: {} });
    this.store.update(id, { state: 'failed', reason });
    this.changed(id);
  }

  private approvedPlan(id: string): Plan {
    const approved = this.store.plans(id).find((plan) => plan.status === 'approved');
    if (!approved) throw new WireError(WireErrorCode.RunState, `run ${id} has no approved plan`, { run: id });
    return approved.plan;
  }

  private runbookOf(run: RunRecord): Runbook {
    let runbook = this.runbookCache.get(run.id);
    if (!runbook) {
      // The exact text the run started from, not whatever the library holds now.
      runbook = parseRunbook(run.runbookText, run.runbook.file, run.runbook.source);
      this.runbookCache.set(run.id, runbook);
    }
    return runbook;
  }

  private accepted(runbook: string, repo: string) {
    return this.deps.learnings?.accepted(runbook, repo) ?? [];
  }

  private view(run: RunRecord): RunInfo {
    return runInfo(run, this.store, this.items, (name) => this.deps.agents.find(name));
  }

  private changed(id: string): RunInfo {
    const info = this.view(this.store.get(id));
    this.runEvents.emit(info);
    return info;
  }
}

export function planItemId(run: string, version: number): string {
  return `pl-${run}-${version}`;
}

/** `pl-r-1a2b3c-2` → run r-1a2b3c, version 2. */
export function parsePlanItemId(item: string): { run: string; version: number } | undefined {
  const match = /^pl-(r-[0-9a-f]+)-(\d+)$/.exec(item);
  return match ? { run: match[1]!, version: Number(match[2]) } : undefined;
}
