import { dirname } from 'node:path';
import type { AgentInfo } from '../../common/protocol/agents';
import type { RunRecord } from '../../common/protocol/runRecord';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import type { Governance } from '../governance/governance';
import { protectedPathsMatcher } from '../policy';
import { branchHead, createBranch, diffBetween, mergeIntoBranch, type DiffFile } from '../repos/integration';
import { commitFiles } from '../repos/commitFiles';
import type { Repos } from '../repos/repos';
import { commitRunRecord, type RecordCommit } from './runRecordCommit';
import { scanDiff, type SecretFinding } from './secretScan';
import { verifyStep, type VerifyResult } from './stepVerify';

/** What a person reviews at a checkpoint: the diff, what the secret scan found in it, and the protected paths it touches. */
export interface StepReview {
  files: DiffFile[];
  diff: string;
  truncated: boolean;
  secrets: SecretFinding[];
  protected_paths: { path: string; rule: string }[];
}

export type StepMerge = { merged: true; commit: string } | { merged: false; conflicts: string[]; details: string };

/** The coordinator's git: the integration branch in the host's clone, step branches, reviews. */
export interface StepGit {
  createBranch(repo: string, branch: string, commit: string): Promise<void>;
  branchHead(repo: string, branch: string): Promise<string | null>;
  /** The step agent's branch brought into the host clone, as its worktree has it now; its head. */
  syncStep(agent: AgentInfo): Promise<string>;
  /** What the step agent left uncommitted. */
  dirty(agent: AgentInfo): Promise<string[]>;
  review(repo: string, base: string, head: string): Promise<StepReview>;
  merge(repo: string, target: string, source: string, message: string): Promise<StepMerge>;
  /** The tests a step says it ran, run again where it ran them (stepVerify.ts); null when they cannot be confined. */
  verify(agent: AgentInfo, commands: readonly string[]): Promise<VerifyResult[] | null>;
  /** A finished run's record committed onto its integration branch (runRecordCommit.ts), in turn with the merges. */
  commitRecord(repo: string, build: () => RunRecord): Promise<RecordCommit>;
  /**
   * Files committed onto a branch of the host's clone (commitFiles.ts), in turn with the merges: `build` reads what it
   * needs at the branch's head and returns the files; the branch's new head.
   */
  commitOnto(repo: string, branch: string, message: string, build: (read: (path: string) => Promise<string | null>) => Promise<Map<string, string>>): Promise<string>;
}

const MERGER = { name: 'flightdeck coordinator', email: 'coordinator@agents.flightdeck.invalid' };

export function stepGit(repos: Repos, governance: Governance): StepGit {
  const clone = (repo: string) => dirname(repos.objectsDir(repo));
  // Merges into one repo's integration branches one at a time: two steps finishing together must both land.
  const merging = new Map<string, Promise<unknown>>();
  const serialized = <T>(repo: string, work: () => Promise<T>): Promise<T> => {
    const next = (merging.get(repo) ?? Promise.resolve()).catch(() => undefined).then(work);
    merging.set(repo, next);
    return next;
  };
  return {
    createBranch: async (repo, branch, commit) => void (await createBranch(clone(repo), branch, commit)),
    branchHead: (repo, branch) => branchHead(clone(repo), branch),
    syncStep: (agent) => repos.syncBranch(agent.repo, agent.worktree, agent.branch),
    dirty: (agent) => repos.dirtyFiles(agent.worktree, agent.repo),
    async review(repo, base, head) {
      const diff = await diffBetween(clone(repo), base, head);
      // The repo's policy as the run's base has it: what a step changes in .flightdeck/policy.yaml protects nothing.
      const isProtected = protectedPathsMatcher(await governance.agentPolicy(repo, base, {}));
      const touched = diff.files.flatMap((file) => [file.path, ...(file.oldPath ? [file.oldPath] : [])]);
      const protectedPaths = touched.flatMap((path) => {
        const rule = isProtected(path);
        return rule ? [{ path, rule: rule.value }] : [];
      });
      return { files: diff.files, diff: diff.patch, truncated: diff.truncated, secrets: scanDiff(diff.patch), protected_paths: protectedPaths };
    },
    verify: (agent, commands) => verifyStep(governance, repos, agent, commands),
    merge: (repo, target, source, message) =>
      serialized(repo, async () => {
        const result = await mergeIntoBranch(clone(repo), { target, source, message, author: MERGER });
        return result.merged ? { merged: true, commit: result.commit } : result;
      }),
    commitRecord: (repo, build) => serialized(repo, () => commitRunRecord(repos, build, MERGER)),
    commitOnto: (repo, branch, message, build) =>
      serialized(repo, async () => {
        const head = await branchHead(clone(repo), branch);
        if (head === null) throw new WireError(WireErrorCode.RefNotFound, `the branch ${branch} is not in the host's clone of ${repo}`, { repo, ref: branch });
        const files = await build((path) => repos.readFile(repo, head, path));
        return commitFiles(clone(repo), { branch, files, message, author: MERGER, expectedHead: head });
      }),
  };
}
