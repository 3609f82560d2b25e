import { Emitter, type ListenerErrorHandler } from '../../common/events';
import type { RunRecord as RunFilesRecord } from '../../common/protocol/runRecord';
import { errorMessage } from '../../common/wire/errors';
import type { AgentBinding } from '../agents/agentBinding';
import type { AgentManager } from '../agents/agentManager';
import type { AuditLog } from '../audit/auditLog';
import type { Db } from '../journal/database';
import type { Repos } from '../repos/repos';
import type { AcceptedLearning } from './prompts';
import { openRunPullRequest, runbookOfRun } from './pullRequestOpen';
import { PullRequestStore } from './pullRequestStore';
import { reviewEvidenceLines } from './reviewPrompt';
import { ReviewInbox } from './reviewInbox';
import { ReviewPoller } from './reviewPoller';
import { ReviewRework } from './reviewRework';
import { RunStore } from './runStore';
import { HOST_ACTOR } from './stepAgents';
import type { StepGit } from './stepGit';

export interface PullRequestsDeps {
  db: Db;
  stateDir: string;
  agents: AgentManager;
  repos: Repos;
  /** The coordinator's (merges into one repo are serialized through it). */
  git: StepGit;
  audit: AuditLog;
  /** Everything about a run (orchestrator.record). */
  record(run: string): RunFilesRecord;
  /** Learnings accepted on this host for a runbook and repo (learningStore.ts): rework agents get them too. */
  accepted(runbook: string, repo: string): readonly AcceptedLearning[];
  /** A run's view changed (its pull request): tell clients. */
  runChanged(run: string): void;
  log(message: string): void;
  onListenerError?: ListenerErrorHandler;
}

/**
 * What follows a done run on its forge (docs/orchestration.md, "Pull requests"): its branch pushed and its pull request
 * opened (pullRequestOpen.ts), the feedback on it polled (reviewPoller.ts) into review items in the inbox
 * (reviewInbox.ts), reworked on the same branch and answered (reviewRework.ts) — without asking when the runbook
 * says `rework: true`.
 */
export class PullRequests {
  readonly inbox: ReviewInbox;
  /** A run whose review feedback was reworked, pushed and answered. */
  readonly reworked: Emitter<string>;
  private readonly pulls: PullRequestStore;
  private readonly store: RunStore;
  private readonly rework: ReviewRework;
  private readonly poller: ReviewPoller;
  /** Runs whose push and pull request are under way: a restart's catch-up and runsDone must not both open one. */
  private readonly opening = new Map<string, Promise<void>>();

  constructor(private readonly deps: PullRequestsDeps) {
    this.pulls = new PullRequestStore(deps.db);
    this.store = new RunStore(deps.db);
    const changed = (run: string) => {
      this.inbox.changes.emit();
      deps.runChanged(run);
    };
    this.reworked = new Emitter({ name: 'reworked runs', onListenerError: deps.onListenerError });
    this.rework = new ReviewRework({ ...deps, store: this.store, pulls: this.pulls, changed, reworked: (run) => this.reworked.emit(run) });
    this.inbox = new ReviewInbox({
      pulls: this.pulls,
      audit: deps.audit,
      busy: (run) => this.rework.busy(run),
      rework: (round, by) => (round.status === 'failed' ? this.rework.retry(round, by) : this.rework.start(round.run, round.round, by)),
      onListenerError: deps.onListenerError,
    });
    this.poller = new ReviewPoller({
      stateDir: deps.stateDir,
      pulls: this.pulls,
      audit: deps.audit,
      remoteOf: (run) => deps.repos.get(this.store.get(run).repo).url,
      busy: (run) => this.rework.busy(run),
      newRound: (run, round) => this.newRound(run, round),
      changed,
      log: deps.log,
    });
  }

  /** A run is done (Orchestrator.runsDone): push it and open its pull request when its runbook says so. */
  runDone(run: string): void {
    if (this.opening.has(run)) return;
    const opened = openRunPullRequest({ ...this.deps, store: this.store, pulls: this.pulls }, run)
      .then((result) => {
        if (result) this.deps.log(`run ${run}: ${result.state === 'open' ? `pull request ${result.url}` : (result.note ?? result.state)}`);
        if (result?.state === 'open') this.poller.kick();
        this.deps.runChanged(run);
      })
      .catch((error: unknown) => this.deps.log(`run ${run}: pushing it and opening its pull request failed: ${errorMessage(error)}`))
      .finally(() => this.opening.delete(run));
    this.opening.set(run, opened);
  }

  /**
   * After a daemon restart: done runs whose push and pull request never happened (the daemon died first) get them
   * now; reworks go on; polling starts again from each pull request's cursor.
   */
  async restore(): Promise<void> {
    for (const run of this.store.list()) {
      if (run.state !== 'done' || this.pulls.get(run.id)) continue;
      try {
        if (runbookOfRun(run).frontMatter.pull_request.open) this.runDone(run.id);
      } catch (error) {
        this.deps.log(`run ${run.id}: its runbook cannot be read again: ${errorMessage(error)}`);
      }
    }
    await Promise.all(this.opening.values());
    await this.rework.restore();
    this.poller.start();
  }

  /** Polling ends; resolves when a poll under way is over. */
  stop(): Promise<void> {
    return this.poller.stop();
  }

  /** Rework agents get their role's policy (AgentManager.bindRuns). */
  bindingFor(agent: string): AgentBinding | undefined {
    return this.rework.bindingFor(agent);
  }

  /** The review comments on a run's pull request, one line each, oldest first: evidence for its retrospective. */
  reviewEvidence(run: string): string[] {
    return reviewEvidenceLines(this.pulls.feedback(run));
  }

  private newRound(run: string, round: number): void {
    this.inbox.changes.emit();
    let rework = false;
    try {
      rework = runbookOfRun(this.store.get(run)).frontMatter.pull_request.rework;
    } catch (error) {
      this.deps.log(`run ${run}: its runbook cannot be read again: ${errorMessage(error)}`);
    }
    if (!rework) return;
    void this.rework.start(run, round, HOST_ACTOR);
  }
}
