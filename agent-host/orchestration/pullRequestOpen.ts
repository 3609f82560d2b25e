import { dirname } from 'node:path';
import { runDir } from '../../common/context/layout';
import { runFiles } from '../../common/context/runFiles';
import type { RunRecord as RunFilesRecord } from '../../common/protocol/runRecord';
import type { RunPullRequest } from '../../common/protocol/runs';
import { errorMessage } from '../../common/wire/errors';
import type { AuditLog } from '../audit/auditLog';
import { pushBranch, type PushResult } from '../forge/push';
import { repoForge } from '../forge/repoForge';
import type { Repos } from '../repos/repos';
import { parseRunbook, type Runbook } from '../runbooks/parseRunbook';
import type { PullRequestStore } from './pullRequestStore';
import type { RunRecord, RunStore } from './runStore';

export interface PullRequestOpenDeps {
  stateDir: string;
  store: RunStore;
  pulls: PullRequestStore;
  repos: Pick<Repos, 'get' | 'objectsDir'>;
  audit: AuditLog;
  /** Everything about the run (orchestrator.record): its summary.md is the pull request's body. */
  record(run: string): RunFilesRecord;
}

// GitHub refuses a body over 65536 characters; the pointer to the record follows the summary.
const MAX_SUMMARY_CHARS = 60_000;

/** The runbook a run started from, exactly (not whatever the library holds now). */
export function runbookOfRun(run: RunRecord): Runbook {
  return parseRunbook(run.runbookText, run.runbook.file, run.runbook.source);
}

/** The host's bare clone of a repo, where integration branches live. */
export function cloneDir(repos: Pick<Repos, 'objectsDir'>, repo: string): string {
  return dirname(repos.objectsDir(repo));
}

/** Pushes the run's integration branch to origin and audits it (run.push); a failure is returned, not thrown. */
export async function pushRun(deps: Pick<PullRequestOpenDeps, 'repos' | 'audit'>, run: RunRecord): Promise<PushResult | { error: string }> {
  const audit = { actor: 'host', action: 'run.push', target: `run:${run.id}` };
  try {
    const pushed = await pushBranch(cloneDir(deps.repos, run.repo), run.integrationBranch);
    deps.audit.append({ ...audit, outcome: 'ok', data: { branch: pushed.branch, commit: pushed.commit, remote: pushed.remote, status: pushed.status } });
    return pushed;
  } catch (error) {
    const reason = errorMessage(error);
    deps.audit.append({ ...audit, outcome: 'error', reason, data: { branch: run.integrationBranch } });
    return { error: reason };
  }
}

/**
 * What follows a done run whose runbook says `pull_request.open`: its integration branch pushed to origin, then its
 * pull request on the forge serving origin — the one a crashed earlier attempt opened, or a new one with the approved
 * plan's title and the run's summary. A plain remote gets the push alone. Every outcome is stored for RunInfo and
 * audited (run.push, pr.open); nothing is thrown: the run stays done whatever happens here. Null: the runbook does
 * not ask for it.
 */
export async function openRunPullRequest(deps: PullRequestOpenDeps, id: string): Promise<RunPullRequest | null> {
  const run = deps.store.get(id);
  const settings = runbookOfRun(run).frontMatter.pull_request;
  if (!settings.open) return null;
  const branch = run.integrationBranch;
  const save = (value: Omit<RunPullRequest, 'branch'>): RunPullRequest => {
    const stored = { ...value, branch };
    deps.pulls.set(id, stored);
    return stored;
  };
  const pushed = await pushRun(deps, run);
  if ('error' in pushed) return save({ url: null, number: null, pushedCommit: null, state: 'failed', note: `${branch} could not be pushed: ${pushed.error}` });
  const audit = { actor: 'host', action: 'pr.open', target: `run:${id}` };
  try {
    const repo = deps.repos.get(run.repo);
    const forge = repoForge(deps.stateDir, repo.url);
    if (forge.provider === null) {
      return save({ url: null, number: null, pushedCommit: pushed.commit, state: 'pushed', note: `pushed ${branch} to origin; no pull request: ${forge.reason}` });
    }
    const base = settings.base ?? repo.branch;
    const existing = await forge.provider.findOpenPullRequest(branch);
    const pull = existing ?? (await forge.provider.openPullRequest({ head: branch, base, title: title(deps, id), body: body(deps, id), draft: settings.draft }));
    deps.audit.append({ ...audit, outcome: 'ok', data: { url: pull.url, number: pull.number, head: branch, base, draft: settings.draft, found: existing !== null } });
    return save({ url: pull.url, number: pull.number, pushedCommit: pushed.commit, state: 'open', note: null });
  } catch (error) {
    const reason = errorMessage(error);
    deps.audit.append({ ...audit, outcome: 'error', reason, data: { head: branch } });
    return save({ url: null, number: null, pushedCommit: pushed.commit, state: 'failed', note: `pushed ${branch} to origin; the pull request could not be opened: ${reason}` });
  }
}

function title(deps: PullRequestOpenDeps, id: string): string {
  return deps.store.plans(id).find((plan) => plan.status === 'approved')?.plan.title ?? `Flightdeck run ${id}`;
}

/** The run's summary.md as the host commits it, and where the rest of its record is on the branch. */
function body(deps: PullRequestOpenDeps, id: string): string {
  const dir = runDir(id);
  const summary = runFiles(deps.record(id)).get(`${dir}/summary.md`) ?? '';
  const cut = summary.length > MAX_SUMMARY_CHARS ? `${summary.slice(0, MAX_SUMMARY_CHARS)}\n\n(cut: the whole summary is in the record)` : summary;
  return `${cut.trimEnd()}\n\n---\nOpened by Flightdeck. The run's record (runbook, every plan version, prompts, decisions, cost) is in \`${dir}/\` on this branch.\n`;
}
