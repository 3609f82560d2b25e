import { errorMessage } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import { repoForge } from '../forge/repoForge';
import type { Repos } from '../repos/repos';
import { pushRun } from './pullRequestOpen';
import type { PullRequestStore } from './pullRequestStore';
import type { RunRecord } from './runStore';
import type { StepGit } from './stepGit';

export interface ReworkLandingDeps {
  stateDir: string;
  pulls: PullRequestStore;
  repos: Pick<Repos, 'get' | 'objectsDir'>;
  git: Pick<StepGit, 'merge'>;
  audit: AuditLog;
}

export interface ReworkToLand {
  run: RunRecord;
  round: number;
  agent: string;
  /** The rework agent's branch and its head (committed work beyond the integration head it started from). */
  branch: string;
  head: string;
  /** What it says it changed: each comment's answer. */
  summary: string;
}

export type Landing = { landed: true; merge: string; pushed: string } | { landed: false; reason: string };

/**
 * A finished rework onto the pull request: merged into the integration branch (a merge commit, serialized with the
 * run's other merges), pushed, and each comment of the round answered "Addressed in <sha>: <summary>". Every step is
 * safe to repeat after a crash or a failure: a merged branch is not merged twice, an up-to-date push changes nothing,
 * an answered comment is not answered again.
 */
export async function landRework(deps: ReworkLandingDeps, input: ReworkToLand): Promise<Landing> {
  const { run, round } = input;
  const pull = deps.pulls.get(run.id);
  if (pull?.number == null) return { landed: false, reason: `run ${run.id} has no open pull request to answer on` };
  const merged = await deps.git.merge(run.repo, run.integrationBranch, input.branch, `Rework of review round ${round} on pull request #${pull.number} (run ${run.id})`);
  if (!merged.merged) return { landed: false, reason: `${input.branch} conflicts with ${run.integrationBranch} (${merged.conflicts.join(', ')}): ${merged.details}` };
  const pushed = await pushRun(deps, run);
  if ('error' in pushed) return { landed: false, reason: `merged, but ${run.integrationBranch} could not be pushed: ${pushed.error}` };
  deps.pulls.update(run.id, { pushedCommit: pushed.commit });

  const body = `Addressed in ${input.head.slice(0, 7)}: ${input.summary}`;
  let answered = 0;
  try {
    const forge = repoForge(deps.stateDir, deps.repos.get(run.repo).url);
    if (forge.provider === null) throw new Error(forge.reason);
    for (const { forge: item, comment } of deps.pulls.feedback(run.id, round)) {
      if (comment.replyUrl !== null) continue;
      const reply = await forge.provider.reply(pull.number, item, body);
      deps.pulls.setReply(run.id, item.id, reply.url);
      deps.audit.append({ actor: 'host', action: 'pr.reply', target: `run:${run.id}`, outcome: 'ok', data: { number: pull.number, round, item: item.id, url: reply.url } });
      answered++;
    }
  } catch (error) {
    const reason = errorMessage(error);
    deps.audit.append({ actor: 'host', action: 'pr.reply', target: `run:${run.id}`, outcome: 'error', reason, data: { number: pull.number, round } });
    return { landed: false, reason: `merged and pushed, but the comments could not all be answered: ${reason}` };
  }
  deps.audit.append({
    actor: 'host',
    action: 'pr.rework',
    target: `run:${run.id}`,
    outcome: 'ok',
    data: { number: pull.number, round, agent: input.agent, head: input.head, merge: merged.commit, pushed: pushed.commit, answered },
  });
  return { landed: true, merge: merged.commit, pushed: pushed.commit };
}
