// What the repos refuse before a name, URL or git's answer reaches a path or a command.
import { isAbsolute } from 'node:path';
import type { AgentName, RepoName } from '../../common/protocol/agents';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { redactUrl } from './gitErrors';

export function invalidParams(message: string, data: Record<string, unknown>): WireError {
  return new WireError(WireErrorCode.InvalidParams, message, data);
}

/** Names become directories and branch names: anything else is refused before it reaches a path or git. */
export function checkName(schema: typeof RepoName | typeof AgentName, what: string, name: string): void {
  const parsed = schema.safeParse(name);
  if (!parsed.success) throw invalidParams(`${what} name "${name}" is not allowed: ${parsed.error.issues[0]?.message}`, { name });
}

/** The daemon's cwd is not the user's, so a relative path would mean something else than they meant. */
export function checkUrl(url: string): void {
  const remote = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+:/.test(url); // scheme://… or scp-like host:path
  if (url === '' || /\p{Cc}/u.test(url) || (!remote && !isAbsolute(url))) {
    throw invalidParams(`"${redactUrl(url)}" is neither a git URL nor an absolute path on the host`, { url: redactUrl(url) });
  }
}

/** Local changes git would lose with the worktree: porcelain -z entries, a rename's or copy's source skipped. */
export function parsePorcelain(output: string): string[] {
  const entries = output.split('\0');
  const files: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length < 4) continue;
    files.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++;
  }
  return files;
}
