import { realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { RunRecord } from '../../common/protocol/runRecord';
import { gitAt, gitDirOf } from './contextGit';
import type { ContextSource } from './contextSource';

/**
 * A remote as a comparable key: `host/owner/repo` for https://, ssh:// and scp-like `git@host:owner/repo` URLs
 * (lower-case host, no user, port, `.git` or trailing slash), the real path for local repositories.
 */
export async function remoteKey(url: string): Promise<string> {
  const trimmed = url.trim().replace(/\/+$/, '').replace(/\.git$/, '');
  const parsed = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) && URL.canParse(trimmed) ? new URL(trimmed) : null;
  if (parsed && parsed.protocol === 'file:') return realpath(decodeURIComponent(parsed.pathname)).catch(() => parsed.pathname);
  if (parsed) return `${parsed.hostname.toLowerCase()}${decodeURIComponent(parsed.pathname)}`;
  const scpLike = /^(?:[^@/]+@)?([^:/]+):(.+)$/.exec(trimmed);
  if (scpLike && !isAbsolute(trimmed)) return `${scpLike[1]!.toLowerCase()}/${scpLike[2]!.replace(/^\/+/, '')}`;
  return realpath(trimmed).catch(() => trimmed);
}

/** The keys of everything the repository at repoPath is: its own directories and each remote's URL. */
async function keysOf(repoPath: string): Promise<Set<string>> {
  const gitDir = await gitDirOf(repoPath);
  const git = gitAt(gitDir);
  const keys = new Set([await remoteKey(gitDir), await remoteKey(gitDir.replace(/\/\.git$/, ''))]);
  for (const remote of await git.getRemotes(true)) {
    for (const url of new Set([remote.refs.fetch, remote.refs.push])) if (url) keys.add(await remoteKey(url));
  }
  return keys;
}

/**
 * The source narrowed to the runs of this repository: a host's run belongs here when the URL the host cloned from is
 * this repository or one of its remotes, or when the person named the host's repo (`--host-repo NAME`). The audit is
 * the hosts' whole chain either way: it is not per repository.
 */
export async function runsOfRepo(source: ContextSource, repoPath: string, hostRepoNames: readonly string[] = []): Promise<ContextSource> {
  const keys = await keysOf(repoPath);
  const runs: RunRecord[] = [];
  for (const record of source.runs()) {
    if (hostRepoNames.includes(record.run.repo) || (record.repoUrl !== '' && keys.has(await remoteKey(record.repoUrl)))) runs.push(record);
  }
  return { hosts: () => source.hosts(), runs: () => runs };
}
