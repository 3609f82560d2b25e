import type { AgentInfo } from '../../common/protocol/agents';
import { errorMessage } from '../../common/wire/errors';
import type { AgentBinding } from '../agents/agentBinding';
import type { AgentManager } from '../agents/agentManager';
import type { AuditLog } from '../audit/auditLog';
import { AuditReader } from '../audit/auditReader';
import type { Db } from '../journal/database';
import { git } from '../repos/git';
import type { Repos } from '../repos/repos';
import type { Actor } from '../sessions/sessionManager';
import { rolePolicy } from './agentPolicies';
import type { AcceptedLearning } from './prompts';
import { cloneDir, runbookOfRun } from './pullRequestOpen';
import type { PullRequestStore, ReviewRound } from './pullRequestStore';
import { reworkPrompt, reworkRole } from './reviewPrompt';
import { landRework } from './reworkLanding';
import type { RunStore } from './runStore';
import { HOST_ACTOR, StepAgents } from './stepAgents';
import type { StepGit } from './stepGit';

export interface ReviewReworkDeps {
  db: Db;
  stateDir: string;
  store: RunStore;
  pulls: PullRequestStore;
  agents: AgentManager;
  repos: Pick<Repos, 'get' | 'objectsDir'>;
  git: StepGit;
  audit: AuditLog;
  /** Learnings accepted on this host for a runbook and repo: in the rework agent's prompt. */
  accepted(runbook: string, repo: string): readonly AcceptedLearning[];
  /** A round changed: its inbox item and the run's view. */
  changed(run: string): void;
  /** A round's rework landed: its comments are evidence for a retrospective. */
  reworked(run: string): void;
  log(message: string): void;
}

/** `<run>-rework-<round>`: the agent (and, with its `flightdeck/` prefix, the branch) of a round's rework. */
export function reworkAgentName(run: string, round: number): string {
  return `${run}-rework-${round}`;
}

/**
 * Review feedback reworked on the run's branch, one round at a time per run: an agent of the runbook's implementing
 * role in its own worktree from the integration head, with the comments as its task. Driven like a step's agent
 * (StepAgents): when its turn ends it is stopped, its work checked and landed (reworkLanding.ts). Anything that keeps
 * it from landing fails the round with the reason; approving the round again sends the agent back or lands it again.
 */
export class ReviewRework {
  private readonly stepAgents: StepAgents;
  private readonly auditReader: AuditReader;

  constructor(private readonly deps: ReviewReworkDeps) {
    this.stepAgents = new StepAgents(deps.agents, deps.log);
    this.auditReader = new AuditReader(deps.db);
    deps.agents.events.on(({ type, agent }) => {
      if (type === 'changed') this.agentChanged(agent);
    });
  }

  /** Whether a round of the run is being reworked (the next waits for it). */
  busy(run: string): boolean {
    return this.deps.pulls.rounds({ run, status: ['reworking'] }).length > 0;
  }

  /** Starts the round's rework: its agent from the integration head as it is now, its prompt recorded. Never throws. */
  async start(run: string, round: number, by: Actor): Promise<void> {
    try {
      await this.launch(run, round, by);
    } catch (error) {
      this.fail(run, round, `its agent could not start: ${errorMessage(error)}`);
    }
  }

  private async launch(run: string, round: number, by: Actor): Promise<void> {
    const record = this.deps.store.get(run);
    const runbook = runbookOfRun(record);
    const role = reworkRole(runbook);
    const name = reworkAgentName(run, round);
    const pull = this.deps.pulls.get(run);
    const head = await this.deps.git.branchHead(record.repo, record.integrationBranch);
    if (!head || pull?.number == null || pull.url === null) return this.fail(run, round, `run ${run} has no integration branch or open pull request to rework`);
    const prompt = reworkPrompt({
      run,
      runbook,
      role,
      plan: this.deps.store.plans(run).find((plan) => plan.status === 'approved')?.plan ?? null,
      params: record.params,
      pullRequest: { number: pull.number, url: pull.url },
      round,
      comments: this.deps.pulls.feedback(run, round).map((item) => item.comment),
      branch: `flightdeck/${name}`,
      integrationBranch: record.integrationBranch,
      baseCommit: head,
      accepted: this.deps.accepted(runbook.info.name, record.repo),
    });
    // Recorded first: the launch asks for the agent's binding by its name.
    this.deps.pulls.updateRound(run, round, { status: 'reworking', agent: name, baseCommit: head, note: null });
    this.deps.changed(run);
    const config = runbook.frontMatter.roles[role]!;
    await this.deps.agents.start({ repo: record.repo, profile: config.profile, task: prompt, name, base: head, cols: 120, rows: 32 }, by, config.model ? { model: config.model } : {});
    this.deps.store.addPrompt(run, { agent: name, role, step: null, prompt, at: Date.now() });
  }

  /** A failed round approved again: the agent is sent back when its work is what failed, else its work lands again. */
  async retry(round: ReviewRound, by: Actor): Promise<void> {
    const agent = round.agent === null ? undefined : this.deps.agents.find(round.agent);
    if (!agent) return this.start(round.run, round.round, by);
    this.deps.pulls.updateRound(round.run, round.round, { status: 'reworking' });
    this.deps.changed(round.run);
    await this.land(round, agent, by);
  }

  /** The run's role policy for its rework agents; their checkpoints and questions take the agent's own path. */
  bindingFor(agent: string): AgentBinding | undefined {
    const round = this.deps.pulls.roundOfAgent(agent);
    if (!round) return undefined;
    const runbook = runbookOfRun(this.deps.store.get(round.run));
    return { policyLayers: rolePolicy(runbook, reworkRole(runbook)), readOnly: false, ask: () => null };
  }

  /**
   * After a daemon restart: a rework whose agent never started starts; one that died with the daemon is woken to carry
   * on; one the host had stopped at the end of its turn, before it landed, lands now.
   */
  async restore(): Promise<void> {
    for (const round of this.deps.pulls.rounds({ status: ['reworking'] })) {
      const agent = round.agent === null ? undefined : this.deps.agents.find(round.agent);
      if (!agent) await this.start(round.run, round.round, HOST_ACTOR);
      else if (this.deps.agents.isRunning(agent.name)) continue;
      else if (agent.status === 'stopped') await this.finish(round, agent);
      else {
        const message = 'The host restarted while you were reworking the review feedback. Carry on; when it is done, commit, report what you changed, and end your turn.';
        await this.wake(round, agent.name, message, HOST_ACTOR);
      }
    }
  }

  /** Sends the agent a message and makes sure it runs to read it; one that cannot run fails the round. */
  private async wake(round: ReviewRound, agent: string, message: string, by: Actor): Promise<void> {
    await this.stepAgents.wake(round.run, agent, message, by);
    if (!this.deps.agents.isRunning(agent)) this.fail(round.run, round.round, `its agent ${agent} could not be resumed (see the daemon's log)`);
  }

  private agentChanged(agent: AgentInfo): void {
    const round = this.deps.pulls.roundOfAgent(agent.name);
    if (round?.status !== 'reworking') return;
    if (this.stepAgents.finishedTurn(agent)) void this.finish(round, agent);
    else if (this.stepAgents.endedUnasked(agent)) this.fail(round.run, round.round, `its agent ${agent.name} ${agent.status} before the rework was done`);
  }

  /** Its turn ended: it is stopped, then its work lands. */
  private async finish(round: ReviewRound, agent: AgentInfo): Promise<void> {
    await this.stepAgents.stopAndWait(agent.name);
    await this.land(round, agent, null);
  }

  /**
   * The agent's work onto the pull request (reworkLanding.ts). Work that cannot land as it is (uncommitted, no commit)
   * fails the round — or goes back to the agent when a person asked to try again. Never throws: whatever goes wrong
   * fails the round with the reason, so the run's pull request is polled again.
   */
  private async land(round: ReviewRound, agent: AgentInfo, retriedBy: Actor | null): Promise<void> {
    try {
      const checked = await this.check(round, agent);
      if ('problem' in checked && retriedBy) {
        const message = `Your rework could not land: ${checked.problem}. Fix that, commit, report what you changed, and end your turn.`;
        return await this.wake(round, agent.name, message, retriedBy);
      }
      if ('problem' in checked) return this.fail(round.run, round.round, checked.problem);
      const run = this.deps.store.get(round.run);
      const summary = await this.summaryOf(agent.name, run.repo, checked.head);
      const landing = await landRework(this.deps, { run, round: round.round, agent: agent.name, branch: agent.branch, head: checked.head, summary });
      if (!landing.landed) return this.fail(round.run, round.round, landing.reason);
      this.deps.pulls.updateRound(round.run, round.round, { status: 'done', note: null });
      this.deps.log(`run ${round.run}: review round ${round.round} reworked, pushed and answered`);
      this.deps.changed(round.run);
      this.deps.reworked(round.run);
    } catch (error) {
      this.fail(round.run, round.round, errorMessage(error));
    }
  }

  /** The head of the agent's branch, or what keeps it from landing (uncommitted changes, no commit). */
  private async check(round: ReviewRound, agent: AgentInfo): Promise<{ head: string } | { problem: string }> {
    const dirty = await this.deps.git.dirty(agent);
    if (dirty.length > 0) return { problem: `${agent.name} left changes uncommitted (${dirty.slice(0, 20).join(', ')})` };
    const head = await this.deps.git.syncStep(agent);
    return head === round.baseCommit ? { problem: `${agent.name} committed nothing` } : { head };
  }

  /** The agent's last progress report, else its last commit's subject. */
  private async summaryOf(agent: string, repo: string, head: string): Promise<string> {
    const [progress] = this.auditReader.list({ agent, action: 'agent.progress', limit: 1 }).records;
    const message = progress?.data.message;
    if (typeof message === 'string' && message.trim() !== '') return message.trim();
    return (await git(cloneDir(this.deps.repos, repo)).raw(['log', '-1', '--format=%s', head])).trim();
  }

  private fail(run: string, round: number, reason: string): void {
    this.deps.log(`run ${run}: review round ${round}: rework failed: ${reason}`);
    this.deps.audit.append({ actor: 'host', action: 'pr.rework', target: `run:${run}`, outcome: 'error', reason, data: { round } });
    this.deps.pulls.updateRound(run, round, { status: 'failed', note: reason });
    this.deps.changed(run);
  }
}
