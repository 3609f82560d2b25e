import { Emitter, type ListenerErrorHandler } from '../../common/events';
import { LearningsListError, learningsMarkdown, oneLine, parseLearningsMarkdown, type EditedLearning } from '../../common/learnings/learningsMarkdown';
import type { AgentInfo } from '../../common/protocol/agents';
import { ProposeLearningsInput } from '../../common/protocol/learnings';
import type { RunRecord as RecordFile } from '../../common/protocol/runRecord';
import type { InboxDecision, InboxDetail, InboxItem } from '../../common/protocol/runs';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AgentBinding } from '../agents/agentBinding';
import type { AgentManager } from '../agents/agentManager';
import type { AuditLog } from '../audit/auditLog';
import type { AuditReader } from '../audit/auditReader';
import type { Db } from '../journal/database';
import { parseRunbook } from '../runbooks/parseRunbook';
import type { Actor } from '../sessions/sessionManager';
import { readOnlyLayer, rolePolicy } from './agentPolicies';
import type { InboxSource } from './inbox';
import { learningsFiles } from './learningsCommit';
import type { LearningStore, Retrospective } from './learningStore';
import { retrospectivePrompt } from './retrospectivePrompt';
import { agentEscalations, runEvidence } from './retrospectiveEvidence';
import { RETROSPECTIVE_ROLE, retrospectiveRole } from './retrospectiveRole';
import { RunItems } from './runItems';
import { RunStore, type RunRecord } from './runStore';
import { HOST_ACTOR } from './stepAgents';
import type { StepGit } from './stepGit';

const RETROSPECTIVE_READ_ONLY = readOnlyLayer('retrospective');

export interface RetrospectivesDeps {
  db: Db;
  learnings: LearningStore;
  agents: Pick<AgentManager, 'start' | 'stop' | 'resume' | 'find' | 'isRunning' | 'events' | 'bindRuns'>;
  git: Pick<StepGit, 'branchHead' | 'commitOnto'>;
  audit: AuditLog;
  /** Where the agents' own escalations and their answers are read from. */
  auditReader: Pick<AuditReader, 'list'>;
  /** Runs reaching done (Orchestrator.runsDone): each gets its first round. */
  runsDone: { on(listener: (run: string) => void): unknown };
  /** A run's record (Orchestrator.record), with the learnings accepted so far. */
  record(run: string): RecordFile;
  /** More evidence a run has (review comments on its pull request), each a paragraph; none by default. */
  extraEvidence?: (run: string) => string[];
  log(message: string): void;
  onListenerError?: ListenerErrorHandler;
}

/** `ln-<run>-<round>`: a round's proposal in the inbox. */
export function learningsItemId(run: string, round: number): string {
  return `ln-${run}-${round}`;
}

export function parseLearningsItemId(item: string): { run: string; round: number } | undefined {
  const match = /^ln-(r-[0-9a-f]+)-(\d+)$/.exec(item);
  return match ? { run: match[1]!, round: Number(match[2]) } : undefined;
}

/** `<run>-retro` for the first round, `<run>-retro-<round>` after it. */
function agentName(run: string, round: number): string {
  return round === 1 ? `${run}-retro` : `${run}-retro-${round}`;
}

const plural = (count: number) => `${count} learning${count === 1 ? '' : 's'}`;

/**
 * What a run taught, kept: when a run is done, a read-only retrospective agent reads what people corrected and
 * decided in it and proposes learnings (propose_learnings); they reach the inbox as one item a person edits and
 * accepts or rejects; accepted ones are stored on the host (every later run's agents get them) and committed onto the
 * run's integration branch — the runbook's `## Learnings`, the repo's learnings.md. Every state is in the host
 * database first: after a restart a retrospective's agent is resumed and a commit that did not happen is made.
 */
export class Retrospectives implements InboxSource {
  readonly changes: Emitter<void>;
  private readonly runs: RunStore;
  private readonly runItems: RunItems;
  /** Agents this module stopped itself (their proposal is in): their end is no failure. */
  private readonly stopping = new Set<string>();
  /** Model calls an agent had made when it was started or resumed: an idle without a call since is no end of its turn. */
  private readonly turnsAtStart = new Map<string, number>();

  constructor(private readonly deps: RetrospectivesDeps) {
    this.runs = new RunStore(deps.db);
    this.runItems = new RunItems(deps.db);
    this.changes = new Emitter({ name: 'retrospective changes', onListenerError: deps.onListenerError });
    deps.agents.bindRuns((agent) => this.bindingFor(agent));
    deps.agents.events.on(({ type, agent }) => {
      if (type === 'changed') this.agentChanged(agent);
    });
    deps.runsDone.on((run) => void this.startRetrospective(run, 'the run is done').catch((error: unknown) => this.deps.log(`run ${run}: no retrospective: ${message(error)}`)));
  }

  /**
   * A new round for a done run (the first when it is done; later ones after review rework): its agent starts on the
   * integration branch's head with the run's evidence. With no evidence at all, no agent starts (learnings.skipped).
   */
  async startRetrospective(id: string, reason: string): Promise<Retrospective> {
    const run = this.runs.get(id);
    if (run.state !== 'done') throw new WireError(WireErrorCode.RunState, `run ${id} is ${run.state}: only a done run has a retrospective`, { run: id, state: run.state });
    const head = await this.deps.git.branchHead(run.repo, run.integrationBranch);
    if (head === null) throw new WireError(WireErrorCode.RefNotFound, `the integration branch ${run.integrationBranch} is not in the host's clone of ${run.repo}`);
    // From here to the round's record nothing waits: two starts at once cannot both begin a round.
    const underway = this.deps.learnings.rounds(id).find((round) => round.state === 'running');
    if (underway) throw new WireError(WireErrorCode.RunState, `run ${id}'s retrospective round ${underway.round} is under way`, { run: id, round: underway.round });
    const evidence = this.evidence(run);
    if (evidence.length === 0) {
      const why = 'no evidence: no plan was sent back, no checkpoint rejected, nothing escalated or commented on';
      const skipped = this.deps.learnings.begin(id, reason, () => null, 'skipped', why);
      this.deps.audit.append({ actor: 'host', action: 'learnings.skipped', target: `run:${id}`, reason: why, outcome: 'ok', data: { round: skipped.round, started: reason } });
      this.deps.log(`run ${id}: no retrospective (round ${skipped.round}): ${why}`);
      return skipped;
    }
    const runbook = parseRunbook(run.runbookText, run.runbook.file, run.runbook.source);
    const role = retrospectiveRole(runbook);
    // Recorded first: the launch asks for the agent's binding by its name.
    const retro = this.deps.learnings.begin(id, reason, (round) => agentName(id, round), 'running', null);
    const agent = retro.agent!;
    const plan = this.runs.plans(id).find((version) => version.status === 'approved');
    const prompt = retrospectivePrompt({
      run: id,
      round: retro.round,
      reason,
      runbook,
      role,
      repo: run.repo,
      branch: run.integrationBranch,
      head,
      params: run.params,
      planTitle: plan?.plan.title ?? null,
      evidence,
      accepted: this.deps.learnings.accepted(run.runbook.name, run.repo),
    });
    this.turnsAtStart.set(agent, 0);
    try {
      await this.deps.agents.start({ repo: run.repo, profile: role.profile, task: prompt, name: agent, base: head, cols: 120, rows: 32 }, HOST_ACTOR, role.model ? { model: role.model } : {});
    } catch (error) {
      this.ended(retro, `its agent could not start: ${message(error)}`);
      throw error;
    }
    this.runs.addPrompt(id, { agent, role: RETROSPECTIVE_ROLE, step: null, prompt, at: Date.now() });
    this.deps.log(`run ${id}: retrospective round ${retro.round} started (${agent}, ${evidence.length} pieces of evidence)`);
    return retro;
  }

  /** After a daemon restart: agents that died under a running round are resumed; accepted learnings not yet committed are. */
  async restore(): Promise<void> {
    for (const retro of this.deps.learnings.inState('running')) {
      const agent = retro.agent ? this.deps.agents.find(retro.agent) : undefined;
      if (agent?.status !== 'interrupted') {
        if (!agent || !this.deps.agents.isRunning(agent.name)) this.ended(retro, agent ? `its agent ${agent.status} while the host was down` : 'its agent never started');
        continue;
      }
      this.turnsAtStart.set(agent.name, agent.turns);
      try {
        await this.deps.agents.resume(agent.name, {}, HOST_ACTOR);
        this.deps.log(`run ${retro.run}: resumed its retrospective ${agent.name}`);
      } catch (error) {
        this.ended(retro, `its agent could not be resumed after a restart: ${message(error)}`);
      }
    }
    for (const { run, round } of this.deps.learnings.uncommitted()) await this.commit(this.runs.get(run), round);
  }

  items(): InboxItem[] {
    return this.deps.learnings.inState('proposed').map((retro) => ({
      id: learningsItemId(retro.run, retro.round),
      kind: 'learnings',
      run: retro.run,
      step: null,
      agent: retro.agent,
      summary: `${plural(retro.proposals.length)} proposed for ${this.runs.get(retro.run).runbook.name}`,
      since: retro.proposedAt ?? retro.createdAt,
    }));
  }

  show(id: string): InboxDetail | undefined {
    const retro = this.proposedRound(id);
    if (!retro) return undefined;
    const runbook = this.runs.get(retro.run).runbook.name;
    return { kind: 'learnings', run: retro.run, round: retro.round, proposals: retro.proposals, markdown: learningsMarkdown(retro.proposals, { run: retro.run, round: retro.round, runbook }) };
  }

  decide(id: string, decision: InboxDecision, text: string | undefined, by: Actor): Promise<boolean> | undefined {
    const retro = this.proposedRound(id);
    return retro && this.decideRound(retro, id, decision, text, by);
  }

  /**
   * Approve: the list as edited (`text`, the Markdown of show) or as proposed is accepted, stored, and committed onto
   * the run's branch; an empty list accepts nothing. Reject: every learning is declined, with the feedback recorded.
   */
  private async decideRound(retro: Retrospective, item: string, decision: InboxDecision, text: string | undefined, by: Actor): Promise<boolean> {
    if (decision === 'answer') throw refused('learnings are approved (as proposed, or with the edited list) or rejected with feedback');
    const run = this.runs.get(retro.run);
    if (decision === 'reject') {
      if (!text?.trim()) throw refused('a rejection needs feedback: why none of these learnings should be kept');
      this.deps.audit.append({ actor: by.actor, action: 'learnings.reject', target: `run:${run.id}`, outcome: 'ok', data: { ...by.data, item, round: retro.round, count: retro.proposals.length, feedback: text } });
      this.deps.learnings.reject(run.id, retro.round, by.actor, text);
      this.changes.emit();
      return true;
    }
    const accepted = text?.trim() ? edited(text) : retro.proposals.map((proposal) => ({ applies_to: proposal.applies_to, text: oneLine(proposal.text) }));
    this.deps.audit.append({
      actor: by.actor,
      action: 'learnings.accept',
      target: `run:${run.id}`,
      outcome: 'ok',
      data: { ...by.data, item, round: retro.round, count: accepted.length, by: by.actor, edited: Boolean(text?.trim()), learnings: accepted },
    });
    const stored = this.deps.learnings.accept(retro, { runbook: run.runbook.name, repo: run.repo }, accepted, by.actor);
    this.changes.emit();
    if (stored.length > 0) await this.commit(run, retro.round);
    return true;
  }

  /** One commit of a round's learnings onto the run's branch; a failure is logged and retried at the next start. */
  private async commit(run: RunRecord, round: number): Promise<void> {
    try {
      const record = this.deps.record(run.id);
      const message = `Flightdeck: learnings of run ${run.id} (retrospective round ${round})`;
      const commit = await this.deps.git.commitOnto(run.repo, run.integrationBranch, message, (read) => learningsFiles(record, round, read));
      this.deps.learnings.committed(run.id, round, commit);
      this.deps.log(`run ${run.id}: learnings of round ${round} committed onto ${run.integrationBranch} (${commit})`);
    } catch (error) {
      this.deps.log(`run ${run.id}: learnings of round ${round} could not be committed (retried at the next start): ${message(error)}`);
    }
  }

  private proposedRound(id: string): Retrospective | undefined {
    const ref = parseLearningsItemId(id);
    const retro = ref && this.deps.learnings.round(ref.run, ref.round);
    return retro?.state === 'proposed' ? retro : undefined;
  }

  private evidence(run: RunRecord): string[] {
    const agents = [run.planner, ...this.runs.steps(run.id).map((step) => step.agent)].filter((agent): agent is string => agent !== null);
    return runEvidence({
      plans: this.runs.plans(run.id),
      items: this.runItems.all(run.id),
      agentEscalations: agentEscalations(this.deps.auditReader, agents),
      extra: this.deps.extraEvidence?.(run.id) ?? [],
    });
  }

  /** A retrospective's agent: read-only like the planner, its role's policy, and propose_learnings offered to it alone. */
  private bindingFor(agent: string): AgentBinding | undefined {
    const retro = this.deps.learnings.ofAgent(agent);
    if (!retro) return undefined;
    const run = this.runs.get(retro.run);
    const runbook = parseRunbook(run.runbookText, run.runbook.file, run.runbook.source);
    return {
      policyLayers: [...rolePolicy(runbook, RETROSPECTIVE_ROLE), RETROSPECTIVE_READ_ONLY],
      readOnly: true,
      ask: () => null,
      runTools: { propose_learnings: (input) => this.proposed(retro.run, retro.round, agent, input) },
    };
  }

  /** propose_learnings: stored as the round's proposal (one inbox item); the agent is told to end its turn. */
  private proposed(run: string, round: number, agent: string, input: Record<string, unknown>): string {
    const retro = this.deps.learnings.round(run, round)!;
    const item = learningsItemId(run, round);
    if (retro.state !== 'running') throw refused(`your learnings were submitted already (${item} is ${retro.state}): end your turn`);
    const proposals = ProposeLearningsInput.parse(input).learnings.map((proposal) => ({ ...proposal, text: oneLine(proposal.text) }));
    this.deps.audit.append({ actor: `agent:${agent}`, action: 'learnings.propose', target: `run:${run}`, outcome: 'ok', data: { item, round, count: proposals.length } });
    this.deps.learnings.propose(run, round, proposals);
    this.deps.log(`run ${run}: ${plural(proposals.length)} proposed (${item})`);
    this.changes.emit();
    return `Submitted for review as ${item}: ${plural(proposals.length)}. A person edits and accepts them; there is nothing to wait for. End your turn now.`;
  }

  /** Its turn over (idle after a model call): stopped; a round still running then proposed nothing. An end unasked fails the round. */
  private agentChanged(agent: AgentInfo): void {
    const retro = this.deps.learnings.ofAgent(agent.name);
    if (!retro || this.stopping.has(agent.name)) return;
    const finished = agent.status === 'idle' && agent.turns > (this.turnsAtStart.get(agent.name) ?? 0);
    if (finished && this.deps.agents.isRunning(agent.name)) {
      if (retro.state === 'running') this.ended(retro, 'its agent ended its turn without proposing learnings');
      this.stopping.add(agent.name);
      this.deps.agents.stop(agent.name, HOST_ACTOR);
    } else if ((agent.status === 'exited' || agent.status === 'stopped') && retro.state === 'running') {
      this.ended(retro, `its agent ${agent.status} without proposing learnings`);
    }
  }

  private ended(retro: Retrospective, why: string): void {
    this.deps.learnings.end(retro.run, retro.round, why);
    this.deps.audit.append({ actor: 'host', action: 'learnings.skipped', target: `run:${retro.run}`, reason: why, outcome: 'ok', data: { round: retro.round, agent: retro.agent } });
    this.deps.log(`run ${retro.run}: retrospective round ${retro.round} ended: ${why}`);
  }
}

/** The person's edited list, or every problem with it as the decision's error. */
function edited(text: string): EditedLearning[] {
  try {
    return parseLearningsMarkdown(text);
  } catch (error) {
    if (error instanceof LearningsListError) throw new WireError(WireErrorCode.InvalidParams, error.message, { problems: error.problems });
    throw error;
  }
}

function refused(text: string): WireError {
  return new WireError(WireErrorCode.InvalidParams, text);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
