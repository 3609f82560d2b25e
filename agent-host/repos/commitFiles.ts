// Files committed onto a branch of the host's bare clone with plumbing only, like integration.ts merges: a private
// index in a temporary directory, never a worktree or the clone's own index, so no agent's files are touched.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { branchHead, type MergeAuthor } from './integration';
import { git, gitEnvironment } from './git';
import { gitFailed } from './gitErrors';

export interface CommitFilesOptions {
  branch: string;
  /** Repo-relative path → content (UTF-8): added, or replacing the file at that path. */
  files: Map<string, string>;
  message: string;
  author: MergeAuthor;
  /** The head the caller built the files from: the commit is refused if the branch is no longer there. */
  expectedHead?: string;
}

/**
 * One commit on top of the branch's head that adds or replaces `files` and keeps the rest of its tree; returns the
 * branch's new head. Nothing to change (the files are there already, as after a restart midway) commits nothing and
 * returns the head. The branch moves compare-and-swap: if anything else moved it meanwhile, this fails instead.
 */
export async function commitFiles(bareDir: string, options: CommitFilesOptions): Promise<string> {
  const { branch, files, message, author } = options;
  const head = options.expectedHead ?? (await branchHead(bareDir, branch));
  if (head === null) throw new WireError(WireErrorCode.RefNotFound, `${bareDir} has no branch ${branch}`, { dir: bareDir, ref: branch });
  const scratch = await mkdtemp(join(tmpdir(), 'flightdeck-commit-'));
  try {
    const repo = git(bareDir).env({
      ...gitEnvironment(),
      GIT_INDEX_FILE: join(scratch, 'index'),
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    });
    let commit: string;
    try {
      const tree = await treeWith(repo, scratch, head, files);
      if (tree === (await repo.raw(['rev-parse', `${head}^{tree}`])).trim()) commit = head;
      else {
        // The message from a file: simple-git refuses some texts as arguments and takes nothing on stdin.
        const messageFile = join(scratch, 'message');
        await writeFile(messageFile, message, 'utf8');
        // --no-gpg-sign: a host user's commit.gpgSign must not make the daemon wait on a key.
        commit = (await repo.raw(['commit-tree', '--no-gpg-sign', tree, '-p', head, '-F', messageFile])).trim();
      }
    } catch (error) {
      throw gitFailed(`could not commit ${files.size} files onto ${branch} in ${bareDir}`, error, { dir: bareDir, branch });
    }
    try {
      // Also when nothing changed (commit is head): the branch must still be where the caller built the files from.
      await repo.raw(['update-ref', `refs/heads/${branch}`, commit, head]);
    } catch (error) {
      const current = await branchHead(bareDir, branch);
      if (current !== head) throw branchMoved(bareDir, branch, head, current);
      throw gitFailed(`could not move ${branch} to ${commit} in ${bareDir}`, error, { dir: bareDir, branch, commit });
    }
    return commit;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The tree of head with files added or replaced, built in a private index under scratch. */
async function treeWith(repo: SimpleGit, scratch: string, head: string, files: Map<string, string>): Promise<string> {
  const entries = [...files];
  // Contents from files too (no stdin); --no-filters: stored byte for byte, whatever autocrlf or attributes say.
  const blobFiles = await Promise.all(
    entries.map(async ([, text], index) => {
      const file = join(scratch, `blob-${index}`);
      await writeFile(file, text, 'utf8');
      return file;
    }),
  );
  const blobs = entries.length === 0 ? [] : (await repo.raw(['hash-object', '-w', '--no-filters', '--', ...blobFiles])).trim().split('\n');
  await repo.raw(['read-tree', head]);
  const cacheInfo = entries.flatMap(([path], index) => ['--cacheinfo', `100644,${blobs[index]},${path}`]);
  if (cacheInfo.length > 0) await repo.raw(['update-index', '--add', ...cacheInfo]);
  return (await repo.raw(['write-tree'])).trim();
}

function branchMoved(bareDir: string, branch: string, expected: string, found: string | null): WireError {
  const now = found === null ? 'was deleted' : `is now at ${found}`;
  return new WireError(WireErrorCode.GitFailed, `branch ${branch} in ${bareDir} moved while committing: expected at ${expected}, it ${now}`, {
    dir: bareDir,
    branch,
    expected,
    found,
  });
}
