import type { AgentInfo } from '../../common/protocol/agents';
import type { Plan } from '../../common/protocol/plan';
import type { AuditLog } from '../audit/auditLog';
import type { AgentBinding, AskAnswer } from '../agents/agentBinding';
import type { AgentManager } from '../agents/agentManager';
import type { Runbook } from '../runbooks/parseRunbook';
import type { Actor } from '../sessions/sessionManager';
import type { RunItem, RunItems } from './runItems';
import { refused, RunReviews } from './runReviews';
import { chosenResolution, resolutionTexts, type EscalationOrigin } from './escalations';
import type { AcceptedLearning } from './prompts';
import type { RecordCommit } from './runRecordCommit';
import type { RunRecord, RunStore, StepRecord } from './runStore';
import type { StepGit } from './stepGit';
import { HOST_ACTOR, StepAgents } from './stepAgents';
import { stepLaunch } from './stepLaunch';

/** Steps of all runs on one host at once, whatever each runbook allows: agents share the VM's two cores and memory. */
export const DEFAULT_HOST_STEP_LIMIT = 4;

type Step = Plan['phases'][number]['steps'][number];

export interface CoordinatorDeps {
  store: RunStore;
  items: RunItems;
  agents: AgentManager;
  git: StepGit;
  audit: AuditLog;
  runbookOf(run: RunRecord): Runbook;
  /** The approved plan of a run. */
  planOf(run: string): Plan;
  /** A run changed: tell clients. */
  changed(run: string): void;
  /** A person chose to cancel the run from an escalation. */
  cancel(run: string, by: Actor): Promise<void>;
  /** The finished run's record onto its integration branch (runRecordCommit.ts). */
  commitRecord(run: RunRecord): Promise<RecordCommit>;
  /** After the run is done and announced: what follows a run (its retrospective, its pull request). */
  done(run: string): void;
  /** Learnings accepted on this host for the run's runbook and repo: in every step's prompt. */
  accepted(run: RunRecord): readonly AcceptedLearning[];
  log(message: string): void;
  hostStepLimit?: number;
}

/**
 * The coordinator: deterministic code, not an LLM. It starts a step's agent only when every step it depends on is
 * merged into the run's integration branch (and the phases before it are approved), up to the run's and the host's
 * limits; merges each finished step's branch; raises the runbook's checkpoints; and turns anything unexpected (a
 * conflict, an agent that ended on its own, work left uncommitted) into an escalation for a person — never a retry loop.
 */
export class Coordinator {
  /** Agents blocked in checkpoint, by item: answered when a person decides. */
  private readonly waiting = new Map<string, (answer: AskAnswer) => void>();
  /** One scheduling pass at a time per run: starting an agent takes a while, and must not happen twice. */
  private readonly passes = new Map<string, Promise<void>>();

  private readonly reviews: RunReviews;
  private readonly stepAgents: StepAgents;

  constructor(private readonly deps: CoordinatorDeps) {
    this.stepAgents = new StepAgents(deps.agents, deps.log);
    this.reviews = new RunReviews({ store: deps.store, items: deps.items, git: deps.git, audit: deps.audit, planOf: deps.planOf, changed: deps.changed, log: deps.log });
    deps.agents.events.on(({ type, agent }) => {
      if (type === 'changed') this.agentChanged(agent);
    });
  }

  /** The plan was approved: the integration branch starts at the run's base, and the first steps start. */
  async begin(run: RunRecord): Promise<void> {
    await this.deps.git.createBranch(run.repo, run.integrationBranch, run.baseCommit);
    this.schedule(run.id);
  }

  /** What a step's agent gets from its run: its role (for the role's policy) and its checkpoints routed here. */
  bindingFor(agent: string): { role: string; ask: AgentBinding['ask'] } | undefined {
    const place = this.deps.store.stepOfAgent(agent);
    if (!place) return undefined;
    return {
      role: this.stepOf(place.run, place.step).role,
      ask: (kind, input) => (kind === 'checkpoint' ? this.agentCheckpoint(place.run, place.step, agent, input) : null),
    };
  }

  /** Starts what may start now; raises phase and final checkpoints; finishes the run. Safe to call any time. */
  schedule(id: string): void {
    const previous = this.passes.get(id) ?? Promise.resolve();
    const pass = previous
      .then(() => this.pass(id))
      .catch((error: unknown) => this.deps.log(`run ${id}: scheduling failed: ${error instanceof Error ? error.message : String(error)}`));
    this.passes.set(id, pass);
  }

  private async pass(id: string): Promise<void> {
    const run = this.deps.store.get(id);
    if (run.state !== 'running') return;
    const plan = this.deps.planOf(id);
    const runbook = this.deps.runbookOf(run);
    const steps = new Map(this.deps.store.steps(id).map((step) => [step.step, step]));
    const settled = (step: string) => ['done', 'failed'].includes(steps.get(step)?.state ?? '');
    for (const phase of plan.phases) {
      const complete = phase.steps.every((step) => settled(step.id));
      if (!complete) {
        for (const step of phase.steps) {
          const record = steps.get(step.id)!;
          if (record.state !== 'pending' || !step.depends_on.every(settled)) continue;
          // Starting takes a while: a pause or cancel meanwhile ends the pass.
          if (this.deps.store.get(id).state !== 'running' || !this.hasSlot(id, runbook.frontMatter.limits.parallel)) return;
          await this.startStep(run, plan, step);
        }
        return;
      }
      if (runbook.frontMatter.checkpoints.after_each_phase && !(await this.reviews.runbookCheckpointPassed(run, 'phase', phase))) return;
    }
    if (runbook.frontMatter.checkpoints.before_merge && !(await this.reviews.runbookCheckpointPassed(run, 'final', null))) return;
    // The record goes onto the branch before anyone hears the run is done: that branch is what they will merge.
    const recorded = await this.deps.commitRecord(run);
    if (this.over(id)) return;
    const reason = recorded.error === null ? null : `the run's record could not be committed: ${recorded.error}`;
    if (reason) this.deps.log(`run ${id}: ${reason}`);
    this.deps.store.update(id, { state: 'done', reason: null });
    this.deps.audit.append({ actor: 'host', action: 'run.done', target: `run:${id}`, reason, outcome: 'ok', data: { integrationBranch: run.integrationBranch, recordCommit: recorded.commit } });
    this.deps.log(`run ${id}: done`);
    this.deps.changed(id);
    this.deps.done(id);
  }

  private hasSlot(run: string, perRun: number): boolean {
    const active = (steps: StepRecord[]) => steps.filter((step) => ['running', 'waiting', 'checkpoint'].includes(step.state)).length;
    if (active(this.deps.store.steps(run)) >= perRun) return false;
    const onHost = this.deps.store
      .list()
      .filter((candidate) => candidate.state === 'running')
      .reduce((sum, candidate) => sum + active(this.deps.store.steps(candidate.id)), 0);
    return onHost < (this.deps.hostStepLimit ?? DEFAULT_HOST_STEP_LIMIT);
  }

  private async startStep(run: RunRecord, plan: Plan, step: Step): Promise<void> {
    const runbook = this.deps.runbookOf(run);
    const role = runbook.frontMatter.roles[step.role]!;
    const head = (await this.deps.git.branchHead(run.repo, run.integrationBranch)) ?? run.baseCommit;
    const { name, branch, prompt } = stepLaunch(run, runbook, plan, step, this.deps.store.steps(run.id), head, this.deps.accepted(run));
    // Recorded first: the launch asks for the agent's binding by its name.
    this.deps.store.updateStep(run.id, step.id, { state: 'running', agent: name, branch, baseCommit: head });
    try {
      await this.deps.agents.start({ repo: run.repo, profile: role.profile, task: prompt, name, base: head, cols: 120, rows: 32 }, HOST_ACTOR, role.model ? { model: role.model } : {});
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.deps.store.updateStep(run.id, step.id, { state: 'blocked', agent: null, branch: null });
      this.reviews.escalate(run, step.id, null, 'start-failed', `The agent for step ${step.id} could not start: ${reason}`, reason, resolutionTexts('start-failed'));
      return;
    }
    if (this.deps.store.get(run.id).state !== 'running') {
      // Paused or cancelled while it started: it stops like the others did (a resume starts it again).
      this.stepAgents.stop(name);
    }
    this.deps.store.addPrompt(run.id, { agent: name, role: step.role, step: step.id, prompt, at: Date.now() });
    this.deps.audit.append({ actor: 'host', action: 'step.start', target: `run:${run.id}`, outcome: 'ok', data: { step: step.id, agent: name, base: head } });
    this.deps.changed(run.id);
  }

  /** checkpoint from a step's agent: its branch as it is now, reviewed; the call waits for the decision. */
  private agentCheckpoint(run: string, step: string, agent: string, input: Record<string, unknown>): Promise<AskAnswer> {
    return (async () => {
      const record = this.deps.store.step(run, step);
      const info = this.deps.agents.find(agent)!;
      const head = await this.deps.git.syncStep(info);
      const base = record.baseCommit ?? info.baseCommit;
      this.deps.store.updateStep(run, step, { state: 'checkpoint' });
      const item = await this.reviews.stepCheckpoint(this.deps.store.get(run), step, agent, 'agent-checkpoint', String(input.summary ?? ''), input, base, head);
      return new Promise<AskAnswer>((resolve) => this.waiting.set(item.id, resolve));
    })();
  }

  /**
   * A person decides a checkpoint or escalation the coordinator raised. False: the approval is recorded, and the
   * checkpoint waits for another reviewer (protected paths).
   */
  async decide(item: RunItem, decision: 'approve' | 'reject' | 'answer', text: string | undefined, by: Actor): Promise<boolean> {
    if (item.status !== 'open') throw refused(`${item.id} was already decided (${item.status} by ${item.decidedBy})`);
    const run = this.deps.store.get(item.run);
    if (item.kind === 'checkpoint') return this.decideCheckpoint(run, item, decision, text, by);
    const chosen = chosenResolution(item.origin as EscalationOrigin, decision, text);
    this.deps.items.settle(item.id, 'answered', by.actor, chosen.text);
    this.deps.audit.append({ actor: by.actor, action: 'escalation.answer', target: `run:${run.id}`, outcome: 'ok', data: { ...by.data, item: item.id, step: item.step, answer: chosen.text } });
    if (chosen.kind === 'cancel') {
      await this.deps.cancel(run.id, by);
      return true;
    }
    const step = this.stepOf(run.id, item.step!);
    if (chosen.kind === 'skip') {
      this.deps.store.updateStep(run.id, step.id, { state: 'failed', summary: `skipped by ${by.actor}` });
      this.deps.audit.append({ actor: by.actor, action: 'step.skip', target: `run:${run.id}`, outcome: 'ok', data: { ...by.data, step: step.id } });
    } else if (chosen.kind === 'retry-start') {
      this.deps.store.updateStep(run.id, step.id, { state: 'pending' });
    } else if (chosen.kind === 'merge-committed' || chosen.kind === 'merge-anyway') {
      await this.merge(run, step);
    } else {
      const record = this.deps.store.step(run.id, step.id);
      const head = (await this.deps.git.branchHead(run.repo, run.integrationBranch)) ?? run.baseCommit;
      const message =
        item.origin === 'merge-conflict'
          ? `Your branch conflicts with the integration branch (${String(item.detail.conflicts ?? '')}). Merge commit ${head} into your branch (git merge ${head}), resolve the conflicts, commit, and end your turn.`
          : item.origin === 'uncommitted'
            ? 'You left changes uncommitted. Commit them (or discard what should not be kept), then end your turn.'
            : item.origin === 'tests-failed'
              ? `\`${String(item.detail.command)}\` fails on your branch:\n${String(item.detail.context)}\nMake it pass, commit, and end your turn.`
              : `You were restarted by ${by.actor}. Carry on with your step; when it is done, end your turn.`;
      this.deps.store.updateStep(run.id, step.id, { state: 'running', restarts: record.restarts });
      await this.stepAgents.wake(run.id, record.agent!, message, by);
    }
    this.deps.changed(run.id);
    this.schedule(run.id);
    return true;
  }

  private async decideCheckpoint(run: RunRecord, item: RunItem, decision: 'approve' | 'reject' | 'answer', text: string | undefined, by: Actor): Promise<boolean> {
    const approve = decision === 'approve';
    if (decision === 'answer') throw refused('a checkpoint is approved (with an optional note) or rejected with feedback');
    if (!approve && !text?.trim()) throw refused('a rejection needs feedback: what should change');
    if (approve && !this.reviews.approve(item, text ?? null, by)) return false;
    if (!approve) this.reviews.reject(item, text!, by);
    if (item.origin === 'agent-checkpoint') {
      const step = this.deps.store.step(run.id, item.step!);
      const answer = approve
        ? `Approved by ${by.actor}${text ? `: ${text}` : '.'} Carry on; when the step is done, end your turn.`
        : `Rejected by ${by.actor}: ${text}\nRework it, commit, and call checkpoint again.`;
      this.deps.store.updateStep(run.id, step.step, { state: 'running', ...(approve ? { summary: String(item.detail.summary ?? step.summary ?? '') } : {}) });
      const waiter = this.waiting.get(item.id);
      this.waiting.delete(item.id);
      if (waiter) waiter({ answer, by: by.actor });
      else await this.stepAgents.wake(run.id, step.agent!, answer, by);
    } else if (item.origin === 'step') {
      const step = this.deps.store.step(run.id, item.step!);
      if (approve) await this.merge(run, this.stepOf(run.id, step.step));
      else {
        this.deps.store.updateStep(run.id, step.step, { state: 'running' });
        await this.stepAgents.wake(run.id, step.agent!, `Your step was reviewed and sent back by ${by.actor}: ${text}\nRework it, commit, and end your turn.`, by);
      }
    } else if (!approve) {
      // A phase or the whole run sent back: the steps nothing else in it builds on take the feedback.
      const plan = this.deps.planOf(run.id);
      const scope = item.phase ? plan.phases.filter((phase) => phase.id === item.phase) : plan.phases;
      const steps = scope.flatMap((phase) => phase.steps);
      const leaves = steps.filter((step) => !steps.some((other) => other.depends_on.includes(step.id)));
      for (const leaf of leaves) {
        const record = this.deps.store.step(run.id, leaf.id);
        if (!record.agent) continue;
        this.deps.store.updateStep(run.id, leaf.id, { state: 'running' });
        await this.stepAgents.wake(run.id, record.agent, `The ${item.phase ? 'phase' : 'run'} was reviewed and sent back by ${by.actor}: ${text}\nRework your part, commit, and end your turn.`, by);
      }
    }
    this.deps.changed(run.id);
    this.schedule(run.id);
    return true;
  }

  /** A step agent's status: idle means its turn (and so its step) is over; anything ending it unasked is escalated. */
  private agentChanged(agent: AgentInfo): void {
    const place = this.deps.store.stepOfAgent(agent.name);
    if (!place) return;
    const run = this.deps.store.find(place.run);
    const record = this.deps.store.step(place.run, place.step);
    if (!run || run.state === 'cancelled' || !['running', 'waiting'].includes(record.state)) return;
    if (this.stepAgents.finishedTurn(agent)) {
      void this.finish(run, this.stepOf(run.id, place.step), agent).catch((error: unknown) => this.deps.log(`run ${run.id}: finishing step ${place.step}: ${String(error)}`));
    } else if (agent.status === 'waiting-for-human' && record.state === 'running') {
      this.deps.store.updateStep(run.id, place.step, { state: 'waiting' });
      this.deps.changed(run.id);
    } else if (agent.status === 'working' && record.state === 'waiting') {
      this.deps.store.updateStep(run.id, place.step, { state: 'running' });
      this.deps.changed(run.id);
    } else if (this.stepAgents.endedUnasked(agent) && run.state !== 'paused') {
      void this.agentEnded(run, this.stepOf(run.id, place.step), agent).catch((error: unknown) => this.deps.log(`run ${run.id}: step ${place.step}: ${String(error)}`));
    }
  }

  /** The agent's turn ended: it is stopped, its branch checked, reviewed if the step asks for it, and merged. */
  private async finish(run: RunRecord, step: Step, agent: AgentInfo): Promise<void> {
    await this.stepAgents.stopAndWait(agent.name);
    if (this.over(run.id)) return;
    const dirty = await this.deps.git.dirty(agent);
    if (dirty.length > 0) {
      this.reviews.escalate(run, step.id, agent.name, 'uncommitted', `Step ${step.id} ended with uncommitted changes`, `Not committed: ${dirty.slice(0, 50).join(', ')}`, resolutionTexts('uncommitted'));
      return;
    }
    const head = await this.deps.git.syncStep(agent);
    if (this.over(run.id) || (await this.reviews.testsFail(run, step.id, agent, head))) return;
    const record = this.deps.store.step(run.id, step.id);
    const base = record.baseCommit ?? run.baseCommit;
    // A checkpoint step, or protected paths touched: a person sees exactly this head before it is merged.
    if (!(await this.reviews.mergeable(run, step.id, step.checkpoint, base, head))) {
      this.deps.store.updateStep(run.id, step.id, { state: 'checkpoint' });
      const summary = record.summary ?? `Step ${step.id} (${step.title}) finished.`;
      await this.reviews.stepCheckpoint(run, step.id, agent.name, 'step', `Step ${step.id} is done: ${step.title}`, { summary }, base, head);
      return;
    }
    await this.merge(run, step);
    this.schedule(run.id);
  }

  private async merge(run: RunRecord, step: Step): Promise<void> {
    const record = this.deps.store.step(run.id, step.id);
    const result = await this.deps.git.merge(run.repo, run.integrationBranch, record.branch!, `Merge step ${step.id} (${step.title}) of run ${run.id}`);
    if (!result.merged) {
      this.deps.store.updateStep(run.id, step.id, { state: 'blocked' });
      this.reviews.escalate(run, step.id, record.agent, 'merge-conflict', `Step ${step.id} conflicts with the integration branch`, result.details, resolutionTexts('merge-conflict'), {
        conflicts: result.conflicts.join(', '),
      });
      return;
    }
    this.deps.store.updateStep(run.id, step.id, { state: 'done', summary: record.summary ?? `${step.title} (merged)` });
    this.deps.audit.append({ actor: 'host', action: 'step.merge', target: `run:${run.id}`, outcome: 'ok', data: { step: step.id, branch: record.branch, commit: result.commit } });
    this.deps.changed(run.id);
  }

  /** Its agent ended without finishing: restarted once if the runbook says so, else a person decides. */
  private async agentEnded(run: RunRecord, step: Step, agent: AgentInfo): Promise<void> {
    const record = this.deps.store.step(run.id, step.id);
    if (this.deps.runbookOf(run).frontMatter.on_agent_crash === 'restart' && record.restarts === 0) {
      this.deps.store.updateStep(run.id, step.id, { restarts: record.restarts + 1 });
      this.deps.log(`run ${run.id}: step ${step.id}: its agent ${agent.status}; restarting it once (on_agent_crash: restart)`);
      await this.deps.agents.resume(agent.name, {}, HOST_ACTOR);
      return;
    }
    this.deps.store.updateStep(run.id, step.id, { state: 'blocked' });
    this.reviews.escalate(run, step.id, agent.name, 'agent-ended', `The agent of step ${step.id} ${agent.status} before the step was done`, `Agent ${agent.name} is ${agent.status}; see its terminal and the audit for why.`, resolutionTexts('agent-ended'));
    this.deps.changed(run.id);
  }

  /** Pause: the running step agents stop (resumable); nothing new starts. */
  pause(run: string): void {
    for (const step of this.deps.store.steps(run)) if (step.agent) this.stepAgents.stop(step.agent);
  }

  /** After a pause: the step agents that were working go on; then whatever may start, starts. */
  async unpause(run: RunRecord, by: Actor): Promise<void> {
    for (const step of this.activeSteps(run.id)) {
      if (!this.deps.agents.isRunning(step.agent!)) await this.stepAgents.resume(run.id, step.agent!, by);
    }
    this.schedule(run.id);
  }

  /**
   * After a daemon restart: agents that died with it are restarted or escalated, as the runbook says; one the
   * coordinator had stopped at the end of its turn, before its merge, is finished now. Checkpoints stay open (a
   * decision wakes their agent).
   */
  async restore(run: RunRecord): Promise<void> {
    for (const step of this.activeSteps(run.id)) {
      const agent = this.deps.agents.find(step.agent!);
      if (!agent || this.deps.agents.isRunning(agent.name)) continue;
      if (agent.status === 'stopped' && step.state === 'running') await this.finish(run, this.stepOf(run.id, step.step), agent);
      else if (agent.status === 'interrupted' && step.state !== 'checkpoint') await this.agentEnded(run, this.stepOf(run.id, step.step), agent);
    }
    this.schedule(run.id);
  }

  cancel(run: string, by: Actor): void {
    for (const [id, waiter] of this.waiting) {
      if (this.deps.items.find(id)?.run !== run) continue;
      this.waiting.delete(id);
      waiter({ answer: 'The run was cancelled: stop now.', by: by.actor });
    }
    this.deps.items.dropAll(run, by.actor);
    for (const step of this.deps.store.steps(run)) if (step.agent) this.stepAgents.stop(step.agent, by);
  }

  private activeSteps(run: string): StepRecord[] {
    return this.deps.store.steps(run).filter((step) => step.agent !== null && ['running', 'waiting', 'checkpoint'].includes(step.state));
  }

  /** A run that ended (or was paused) while something was under way: what was under way does not go on. */
  private over(run: string): boolean {
    return this.deps.store.get(run).state !== 'running';
  }

  private stepOf(run: string, id: string): Step {
    const step = this.deps
      .planOf(run)
      .phases.flatMap((phase) => phase.steps)
      .find((candidate) => candidate.id === id);
    if (!step) throw refused(`run ${run} has no step ${id}`);
    return step;
  }
}
