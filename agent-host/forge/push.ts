// A run's branch pushed from the host's bare clone to its origin, with the VM's own git credentials, never forced:
// what someone else pushed to the branch is never overwritten, the push is refused and says so.
import { errorMessage, WireError, WireErrorCode } from '../../common/wire/errors';
import { git } from '../repos/git';
import { gitFailed, gitOutputTail, redactUrl } from '../repos/gitErrors';
import { branchHead } from '../repos/integration';

export interface PushResult {
  branch: string;
  /** The commit origin's branch is at now: the one pushed. */
  commit: string;
  /** origin's URL, password masked. */
  remote: string;
  /** created: origin had no such branch; updated: fast-forwarded; up-to-date: it was there already. */
  status: 'created' | 'updated' | 'up-to-date';
}

// What a declining hook said, as much as a message carries.
const MAX_REMOTE_CHARS = 1000;
// `git push --porcelain` writes one line per ref: flag, TAB, from:to, TAB, summary (and the reason in parentheses).
const PORCELAIN_LINE = /^([ +\-*!=])\t[^\t]*:refs\/heads\/(.+)\t(.*)$/;

/**
 * Pushes the branch of the bare clone at bareDir to origin as it is now. The exact commit read first is pushed (not
 * whatever the branch holds a moment later), so the result names what origin got. Throws a WireError: RefNotFound
 * when the clone has no such branch, GitFailed when origin refuses (the reason in the message) or cannot be reached.
 */
export async function pushBranch(bareDir: string, branch: string): Promise<PushResult> {
  const commit = await branchHead(bareDir, branch);
  if (commit === null) throw new WireError(WireErrorCode.RefNotFound, `${bareDir} has no branch ${branch} to push`, { dir: bareDir, ref: branch });
  const repo = git(bareDir);
  let remote: string;
  try {
    remote = redactUrl((await repo.raw(['remote', 'get-url', 'origin'])).trim());
  } catch (error) {
    throw gitFailed(`${bareDir} has no origin to push ${branch} to`, error, { dir: bareDir, branch });
  }
  const data = { dir: bareDir, branch, commit, remote };
  let output: string;
  try {
    // A full refname on the right: a branch origin does not have yet is created as a branch, never guessed at.
    output = await repo.raw(['push', '--porcelain', 'origin', `${commit}:refs/heads/${branch}`]);
  } catch (error) {
    // A refused ref fails the command; --porcelain still wrote its line, which says why.
    const line = porcelainLine(errorMessage(error), branch);
    if (line?.flag === '!') throw rejected(line.summary, error, data);
    throw gitFailed(`could not push ${branch} to ${remote}`, error, data);
  }
  const line = porcelainLine(output, branch);
  if (!line || line.flag === '!') throw gitFailed(`could not push ${branch} to ${remote}`, new Error(output), data);
  const status = line.flag === '=' ? 'up-to-date' : line.flag === '*' ? 'created' : 'updated';
  return { branch, commit, remote, status };
}

function porcelainLine(output: string, branch: string): { flag: string; summary: string } | undefined {
  for (const line of output.split('\n')) {
    const match = PORCELAIN_LINE.exec(line);
    if (match && match[2] === branch) return { flag: match[1]!, summary: match[3]! };
  }
  return undefined;
}

function rejected(summary: string, error: unknown, data: { branch: string; remote: string }): WireError {
  const { branch, remote } = data;
  // non-fast-forward: origin's branch has commits ours lacks; fetch first: the same, with commits never fetched.
  const diverged = /\((non-fast-forward|fetch first)\)/.test(summary);
  const reason = summary.replace(/^\[(remote )?rejected\]\s*/, '').replace(/^\((.*)\)$/, '$1') || 'no reason given';
  // A hook says why it declined (a protected branch, a policy) on `remote:` lines.
  const remoteSaid = errorMessage(error)
    .split('\n')
    .filter((line) => line.startsWith('remote: ') && line.trim() !== 'remote:')
    .map((line) => line.slice('remote: '.length).trim())
    .join(' ')
    .slice(0, MAX_REMOTE_CHARS);
  const message = diverged
    ? `${remote} refused ${branch}: its ${branch} has commits the host's does not (someone else pushed to it); nothing was overwritten`
    : redactUrl(`${remote} refused ${branch}: ${reason}${remoteSaid ? ` — ${remoteSaid}` : ''}`);
  return new WireError(WireErrorCode.GitFailed, message, { ...data, reason: diverged ? 'diverged' : 'rejected', git: gitOutputTail(error) });
}
