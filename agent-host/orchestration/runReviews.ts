import type { AgentInfo } from '../../common/protocol/agents';
import type { Plan } from '../../common/protocol/plan';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import type { Actor } from '../sessions/sessionManager';
import type { RunItem, RunItems } from './runItems';
import type { RunRecord, RunStore } from './runStore';
import { resolutionTexts } from './escalations';
import type { StepGit } from './stepGit';

type Phase = Plan['phases'][number];
type NewItem = Omit<RunItem, 'id' | 'status' | 'decidedBy' | 'decision' | 'createdAt' | 'decidedAt' | 'approvals'>;

/** People who must approve a change to protected paths, each a different one the host knows by their bound key. */
export const PROTECTED_PATH_APPROVALS = 2;

export interface RunReviewsDeps {
  store: RunStore;
  items: RunItems;
  git: StepGit;
  audit: AuditLog;
  planOf(run: string): Plan;
  changed(run: string): void;
  log(message: string): void;
}

/**
 * What the coordinator puts before people: checkpoints with the diff, the secret scan and the protected paths a
 * change touches, and escalations with their context and ways out. Every one is audited when raised.
 */
export class RunReviews {
  constructor(private readonly deps: RunReviewsDeps) {}

  raise(item: NewItem): RunItem {
    const raised = this.deps.items.add(item);
    this.deps.audit.append({
      actor: item.agent ? `agent:${item.agent}` : 'host',
      action: item.kind === 'checkpoint' ? 'checkpoint.raise' : 'escalation.raise',
      target: `run:${item.run}`,
      outcome: 'ok',
      data: { item: raised.id, origin: item.origin, step: item.step, phase: item.phase, summary: item.summary, head: item.detail.head ?? null },
    });
    this.deps.changed(item.run);
    return raised;
  }

  escalate(run: RunRecord, step: string, agent: string | null, origin: RunItem['origin'], problem: string, context: string, options: string[], extra: Record<string, unknown> = {}): void {
    this.raise({ run: run.id, step, phase: null, kind: 'escalation', origin, agent, summary: problem, detail: { problem, context, suggested_resolutions: options, ...extra }, options });
    this.deps.log(`run ${run.id}: escalated: ${problem}`);
  }

  /** A step's work up to `head`, for a person: raised as a checkpoint of the step. */
  async stepCheckpoint(run: RunRecord, step: string, agent: string | null, origin: 'agent-checkpoint' | 'step', summary: string, fields: Record<string, unknown>, base: string, head: string): Promise<RunItem> {
    const review = await this.deps.git.review(run.repo, base, head);
    return this.raise({ run: run.id, step, phase: null, kind: 'checkpoint', origin, agent, summary: summary.split('\n')[0]!.slice(0, 200), detail: { ...fields, base, head, ...review }, options: [] });
  }

  /** Whether a step's head may be merged without another look: nothing protected in it, and not a checkpoint step. */
  async mergeable(run: RunRecord, step: string, checkpoint: boolean, base: string, head: string): Promise<boolean> {
    const approved = this.deps.items.all(run.id).some((item) => item.step === step && item.kind === 'checkpoint' && item.status === 'approved' && item.detail.head === head);
    if (approved) return true;
    if (checkpoint) return false;
    return (await this.deps.git.review(run.repo, base, head)).protected_paths.length === 0;
  }

  /** The tests the step's last checkpoint says it ran, run again on what would be merged: a failure is escalated. */
  async testsFail(run: RunRecord, step: string, agent: AgentInfo, head: string): Promise<boolean> {
    const claimed = this.deps.items
      .all(run.id)
      .filter((item) => item.step === step && item.origin === 'agent-checkpoint')
      .at(-1)?.detail.tests_run;
    const commands = Array.isArray(claimed) ? claimed.filter((command): command is string => typeof command === 'string' && command.trim() !== '') : [];
    if (commands.length === 0) return false;
    const results = await this.deps.git.verify(agent, commands);
    const failed = results?.find((result) => !result.ok);
    this.deps.audit.append({
      actor: 'host',
      action: 'step.verify',
      target: `run:${run.id}`,
      outcome: results && !failed ? 'ok' : 'error',
      ...(results ? {} : { reason: 'this host cannot sandbox, and an agent’s code never runs unconfined: not verified' }),
      data: { step, head, commands, failed: failed?.command ?? null },
    });
    if (!failed) return false;
    this.deps.store.updateStep(run.id, step, { state: 'blocked' });
    this.escalate(run, step, agent.name, 'tests-failed', `Step ${step} says it ran \`${failed.command}\`, which fails on its branch`, failed.output, resolutionTexts('tests-failed'), {
      command: failed.command,
    });
    return true;
  }

  /** A phase (or the whole run) is through its runbook checkpoint: approved, or raised now and waited for. */
  async runbookCheckpointPassed(run: RunRecord, origin: 'phase' | 'final', phase: Phase | null): Promise<boolean> {
    const last = this.deps.items
      .all(run.id)
      .filter((item) => item.origin === origin && item.phase === (phase?.id ?? null))
      .at(-1);
    if (last?.status === 'approved') return true;
    if (last?.status === 'open') return false;
    const base = origin === 'final' ? run.baseCommit : (this.phaseBase(run, phase!) ?? run.baseCommit);
    const head = (await this.deps.git.branchHead(run.repo, run.integrationBranch)) ?? run.baseCommit;
    const review = await this.deps.git.review(run.repo, base, head);
    const plan = this.deps.planOf(run.id);
    const steps = (phase ? phase.steps : plan.phases.flatMap((candidate) => candidate.steps)).map((step) => {
      const record = this.deps.store.step(run.id, step.id);
      return `${step.id} (${record.state}): ${record.summary ?? 'no summary'}`;
    });
    const what = phase ? `Phase "${phase.title}" is merged` : 'Every step is merged: the run is ready to merge';
    this.raise({
      run: run.id,
      step: null,
      phase: phase?.id ?? null,
      kind: 'checkpoint',
      origin,
      agent: null,
      summary: what,
      detail: { summary: `${what} into ${run.integrationBranch}.`, steps, base, head, ...review },
      options: [],
    });
    return false;
  }

  /**
   * An approval of a checkpoint: settles it, unless the change touches protected paths — then it needs that many
   * different people the host knows by their bound SSH keys, and this one counts as one of them. Returns whether
   * the checkpoint is approved now.
   */
  approve(item: RunItem, note: string | null, by: Actor): boolean {
    const touched = (item.detail.protected_paths as { path: string }[] | undefined) ?? [];
    if (touched.length > 0) {
      const paths = touched.map((entry) => entry.path).join(', ');
      if (!by.verified) {
        throw refused(
          `this change touches protected paths (${paths}): it needs approvals from ${PROTECTED_PATH_APPROVALS} people the host knows by their bound SSH keys, ` +
            `and ${by.actor} is not bound to a person (docs/orchestration.md, "Who decides: bound SSH keys")`,
        );
      }
      if (item.approvals.includes(by.actor)) {
        throw refused(`${by.actor} already approved this change to protected paths (${paths}): a second reviewer is needed`);
      }
      if (item.approvals.length + 1 < PROTECTED_PATH_APPROVALS) {
        this.deps.items.addApproval(item.id, by.actor);
        this.record('checkpoint.approve', item, by, { note, approvals: item.approvals.length + 1, needed: PROTECTED_PATH_APPROVALS });
        this.deps.changed(item.run);
        return false;
      }
    }
    this.deps.items.addApproval(item.id, by.actor);
    this.deps.items.settle(item.id, 'approved', by.actor, note);
    this.record('checkpoint.approve', item, by, { note, approvals: item.approvals.length + 1, by: [...item.approvals, by.actor] });
    return true;
  }

  reject(item: RunItem, feedback: string, by: Actor): void {
    this.deps.items.settle(item.id, 'rejected', by.actor, feedback);
    this.record('checkpoint.reject', item, by, { feedback });
  }

  /** A person's decision on a checkpoint, in the audit with the head it was about. */
  private record(action: string, item: RunItem, by: Actor, decision: Record<string, unknown>): void {
    this.deps.audit.append({
      actor: by.actor,
      action,
      target: `run:${item.run}`,
      outcome: 'ok',
      data: { ...by.data, item: item.id, origin: item.origin, step: item.step, phase: item.phase, head: item.detail.head ?? null, ...decision },
    });
  }

  /** The integration head when the phase's first step started: a phase's diff runs from there. */
  private phaseBase(run: RunRecord, phase: Phase): string | null {
    const bases = phase.steps.map((step) => this.deps.store.step(run.id, step.id).baseCommit).filter((base): base is string => base !== null);
    return bases[0] ?? null;
  }
}

export function refused(message: string): WireError {
  return new WireError(WireErrorCode.InvalidParams, message);
}
