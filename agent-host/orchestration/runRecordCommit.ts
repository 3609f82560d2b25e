import { dirname } from 'node:path';
import { AGENTS_MD, withManagedBlock } from '../../common/context/agentsMd';
import { runFiles } from '../../common/context/runFiles';
import type { RunRecord } from '../../common/protocol/runRecord';
import { commitFiles } from '../repos/commitFiles';
import { branchHead, type MergeAuthor } from '../repos/integration';
import type { Repos } from '../repos/repos';

/** The record's commit on the integration branch, or why there is none. */
export type RecordCommit = { commit: string; error: null } | { commit: null; error: string };

/**
 * A finished run's record onto its integration branch, so the pull request carries what produced the code: the files
 * of .flightdeck/runs/<run>/ (rendered as done) and AGENTS.md with Flightdeck's block. A failure is returned, never
 * thrown: the run's work is merged either way, and must not be held back by its record (nor by building it).
 */
export async function commitRunRecord(repos: Repos, build: () => RunRecord, author: MergeAuthor): Promise<RecordCommit> {
  try {
    const record = build();
    const { run } = record;
    // The host's bare clone: the object store agents borrow from sits in it.
    const bareDir = dirname(repos.objectsDir(run.repo));
    const head = await branchHead(bareDir, run.integrationBranch);
    if (head === null) return { commit: null, error: `the integration branch ${run.integrationBranch} is not in the host's clone of ${run.repo}` };
    const files = runFiles({ ...record, run: { ...run, state: 'done', reason: null } });
    files.set(AGENTS_MD, withManagedBlock(await repos.readFile(run.repo, head, AGENTS_MD)));
    const commit = await commitFiles(bareDir, { branch: run.integrationBranch, files, message: `Flightdeck: record of run ${run.id}`, author, expectedHead: head });
    return { commit, error: null };
  } catch (error) {
    return { commit: null, error: error instanceof Error ? error.message : String(error) };
  }
}
